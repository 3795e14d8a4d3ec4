"""How fast the Terraform probe reads and the rules evaluate a large configuration.

    python benchmarks/terraform.py --resources 20000

Generates N resources across a root module in ``envs/prod`` and local modules it reaches
through ``../../modules/mI`` (variables, locals, provider aliases, and in the modules one
resource block per five instances through ``for_each``), then ends with one line:
``terraform: N resources, P files, parse S s, evaluate E s, peak RSS M MiB``.
Target: 20,000 resources parse and evaluate in under 20 s.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import tempfile
import time
from pathlib import Path

from assessor.catalog import load_catalog
from assessor.engine.evaluate import evaluate
from assessor.engine.selection import RuleSelection
from assessor.inventory import run_probes
from assessor.probes.base import ProbeConfig
from assessor.probes.terraform import TerraformProbe

PER_FILE = 50
MODULES = 20
FANOUT = 5  # instances per for_each block in the modules
REGIONS = ["us-east-1", "eu-west-1", "eu-central-1", "ap-southeast-1", "ap-east-1", "sa-east-1"]


def generate(repository: Path, count: int, seed: int = 5) -> int:
    rng = random.Random(seed)
    files = 0
    root = repository / "envs" / "prod"
    root.mkdir(parents=True)
    (root / "main.tf").write_text(
        'variable "region" { default = "eu-west-1" }\n'
        'locals { prefix = "bench" }\n'
        'provider "aws" { region = var.region }\n'
        'provider "aws" {\n  alias  = "far"\n  region = "ap-east-1"\n}\n'
        + "".join(
            f'module "m{i}" {{\n  source = "../../modules/m{i}"\n  region = "{REGIONS[i % len(REGIONS)]}"\n}}\n'
            for i in range(MODULES)
        )
    )
    per_module = count // (MODULES + 1)
    for module in range(MODULES + 1):
        directory = root if module == MODULES else repository / "modules" / f"m{module}"
        directory.mkdir(parents=True, exist_ok=True)
        header = (
            ""
            if module == MODULES
            else (
                'variable "region" {}\nprovider "aws" { region = var.region }\n'
                "locals {\n  copies = {"
                + ", ".join(f'k{i} = "c{i}"' for i in range(FANOUT))
                + "}\n}\n"
            )
        )
        written = 0
        while written < per_module:
            lines = [header] if written == 0 else []
            for _ in range(min(PER_FILE, per_module - written)):
                kind = rng.choice(["aws_s3_bucket", "aws_db_instance", "aws_instance"])
                alias = "  provider = aws.far\n" if module == MODULES and rng.random() < 0.1 else ""
                lines.append(
                    f'resource "{kind}" "r{written}" {{\n{alias}'
                    f'  bucket = "${{local.prefix}}-{module}-{written}"\n'
                    f'  tags = {{\n    data-class = "{rng.choice(["pii", "internal", "public"])}"\n  }}\n}}\n'
                    if module == MODULES
                    else f'resource "{kind}" "r{written}" {{\n  for_each = local.copies\n'
                    f'  bucket = "b-{module}-{written}-${{each.value}}"\n}}\n'
                )
                written += 1 if module == MODULES else FANOUT
            (directory / f"r{written}.tf").write_text("".join(lines))
            files += 1
    return files + 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--resources", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        repository = Path(folder)
        files = generate(repository, args.resources)
        catalog = load_catalog()
        rules = RuleSelection().load(catalog)
        os.chdir(repository)
        started = time.perf_counter()
        config = ProbeConfig({"path": ("envs/prod",), "repo-root": (".",)})
        inventory = run_probes([TerraformProbe(config)], catalog)
        parse = time.perf_counter() - started
        started = time.perf_counter()
        # Every finding read once, as a run does (the engine builds each when read).
        findings = list(evaluate(inventory.assets, rules.rules, rules.catalog))
        seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{len(inventory.assets)} assets, {len(findings)} findings, {len(inventory.gaps)} gaps")
    print(
        f"terraform: {len(inventory.assets)} resources, {files} files, parse {parse:.1f} s, "
        f"evaluate {seconds:.1f} s, peak RSS {peak:.0f} MiB"
    )


if __name__ == "__main__":
    main()
