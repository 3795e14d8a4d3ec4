"""What a run of a large estate costs after its inventory: rules evaluated, the result
assembled (waivers, risks, scores) and every report format written, as ``assessor evaluate``
does.

    python benchmarks/reports.py --assets 200000

Ends with one line: ``reports: N assets, F findings, R risks, assess A s, write W s
(json J s, ...), S MiB written, peak RSS M MiB (P after assess)``. The peak holds the
inventory, as a run does.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from evaluate import synthetic_estate

from assessor.catalog import load_catalog
from assessor.engine.selection import RuleSelection
from assessor.models import Inventory
from assessor.renderers import RENDERERS
from assessor.run import assess, write_reports


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--assets", type=int, default=200_000)
    parser.add_argument("--formats", default=",".join(RENDERERS))
    args = parser.parse_args()
    catalog = load_catalog()
    rule_set = RuleSelection().load(catalog)
    inventory = Inventory(
        generated_at=datetime.now(UTC), assets=tuple(synthetic_estate(args.assets))
    )
    started = time.perf_counter()
    result = assess(inventory, rule_set)
    assessed = time.perf_counter() - started
    assessed_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    per_format = []
    written = 0
    with tempfile.TemporaryDirectory() as folder:
        for name in args.formats.split(","):
            started = time.perf_counter()
            (path, _), *_ = write_reports(result, Path(folder), [name], catalog)
            per_format.append(f"{name} {time.perf_counter() - started:.1f} s")
            written += path.stat().st_size
    total = sum(float(part.split()[1]) for part in per_format)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"reports: {args.assets} assets, {len(result.findings)} findings, "
        f"{len(result.risks)} risks, assess {assessed:.1f} s, write {total:.1f} s "
        f"({', '.join(per_format)}), {written / 2**20:.0f} MiB written, peak RSS {peak:.0f} MiB "
        f"({assessed_peak:.0f} after assess)"
    )


if __name__ == "__main__":
    main()
