"""How fast the rules engine evaluates every built-in pack over a large synthetic estate.

    python benchmarks/evaluate.py --assets 1000000
    python benchmarks/evaluate.py --assets 10000000 --shards 100

Ends with one line: ``evaluate: N assets in S s, R assets/s, peak RSS M MiB``.
Target on a 2-core machine: 1,000,000 assets in under 20 s and under 700 MiB (peak RSS
holds the generated assets too, as a run holds its inventory). Met: about 10 s and 650 MiB,
of which the assets are about 465 (about 490 bytes each); the findings are held as
(outcome, asset) pairs until read (``assessor.engine.outcomes``). Reading each once, as a
run's waivers do, is timed apart on the line before (about 7 s).

With ``--shards N`` the estate is generated and assessed a part at a time, as
``merge --units-per-part`` does (``assessor.in_parts``): each part evaluated, its waivers,
risks and scores assembled, its counts folded, and the part let go; the seconds are those
of assessing (generating is not counted). Target: 10,000,000 assets in 100 parts under
2 GiB.
"""

from __future__ import annotations

import argparse
import random
import resource
import time
from collections.abc import Iterator
from datetime import UTC, datetime

from assessor.catalog import load_catalog, locate
from assessor.engine.evaluate import evaluate
from assessor.engine.selection import RuleSelection, RuleSet
from assessor.heap import cycles_collected_after
from assessor.models import Asset, Flow, FlowKind, Inventory, Provider

NOW = datetime(2026, 12, 1, tzinfo=UTC)

CLASSES = [
    None,
    None,
    "internal",
    "public",
    "pii",
    "confidential",
    "financial",
    "health",
    "genomic",
]


def synthetic_estate(count: int, seed: int = 7, first: int = 0) -> list[Asset]:
    """``count`` located assets numbered from ``first``."""
    catalog = load_catalog()
    rng = random.Random(seed)
    # Shaped like a real estate: mostly the big three, a tail of other providers.
    weights = {
        Provider.AWS: 50,
        Provider.GCP: 25,
        Provider.AZURE: 15,
        Provider.ALIBABA: 3,
        Provider.ORACLE: 3,
        Provider.TENCENT: 2,
        Provider.HUAWEI: 1,
        Provider.BAIDU: 1,
    }
    by_provider = {
        provider: [row.region for row in catalog.regions(provider) if row.region]
        for provider in weights
    }
    by_provider[Provider.AWS].append("xx-unknown-1")
    providers = rng.choices(list(weights), weights=list(weights.values()), k=count)
    regions = [(p, r) for p in weights for r in by_provider[p]]
    assets = []
    for index in range(first, first + count):
        provider = providers[index - first]
        region = by_provider[provider][rng.randrange(len(by_provider[provider]))]
        flows: tuple[Flow, ...] = ()
        if rng.random() < 0.1:
            _, target = regions[rng.randrange(len(regions))]
            flows = (Flow(kind=FlowKind.REPLICATION, target_region=target),)
        classification = CLASSES[rng.randrange(len(CLASSES))]
        tags = {"records": str(rng.choice([10, 5000, 50000, 500000]))} if classification else {}
        asset = Asset(
            id=f"asset-{index}",
            provider=provider,
            service="storage",
            kind="bucket",
            name=f"bucket-{index}",
            account=f"acct-{index % 50}",
            region=region,
            tags=tags,
            classification=classification,
            flows=flows,
        )
        assets.append(locate(asset, catalog))
    return assets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--assets", type=int, default=100_000)
    parser.add_argument(
        "--shards",
        type=int,
        default=0,
        help="Generate and assess the estate this many parts at a time, as "
        "`merge --units-per-part` does (each part's findings, risks and scores, folded)",
    )
    args = parser.parse_args()
    catalog = load_catalog()
    rule_set = RuleSelection().load(catalog)
    if args.shards:
        seconds, summary = _in_parts(args.assets, args.shards, rule_set)
    else:
        started = time.perf_counter()
        assets = synthetic_estate(args.assets)
        generated = time.perf_counter() - started
        started = time.perf_counter()
        findings = evaluate(assets, rule_set.rules, rule_set.catalog)
        seconds = time.perf_counter() - started
        # What the findings' readers pay later (waivers, risks, reports): each built once,
        # none kept, so the peak is the evaluation's.
        started = time.perf_counter()
        with cycles_collected_after():
            for _ in findings:
                pass
        reading = time.perf_counter() - started
        summary = (
            f"generated {len(assets)} assets in {generated:.1f} s; "
            f"{len(rule_set.rules)} rules; {len(findings)} findings "
            f"(reading each once, as a run's waivers do: {reading:.1f} s more)"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(summary)
    print(
        f"evaluate: {args.assets} assets in {seconds:.1f} s, "
        f"{args.assets / seconds:,.0f} assets/s, peak RSS {peak:.0f} MiB"
    )


def _in_parts(count: int, parts: int, rule_set: RuleSet) -> tuple[float, str]:
    """Seconds spent assessing (generating each part is not counted), and what was found."""
    from assessor.in_parts import assess_in_parts  # the run core, only in this mode

    size = -(-count // parts)
    generating = 0.0

    def generated() -> Iterator[Inventory]:
        nonlocal generating
        for first in range(0, count, size):
            started = time.perf_counter()
            assets = synthetic_estate(min(size, count - first), seed=first, first=first)
            inventory = Inventory(generated_at=NOW, assets=tuple(assets))
            generating += time.perf_counter() - started
            yield inventory

    started = time.perf_counter()
    fold = assess_in_parts(generated(), rule_set, now=NOW)
    seconds = time.perf_counter() - started - generating
    summary = (
        f"generated {fold.assets} assets in {fold.parts} parts in {generating:.1f} s; "
        f"{len(rule_set.rules)} rules; {fold.findings} findings, {fold.open_risks} open risks "
        "(each part assessed: findings, risks and scores, folded)"
    )
    return seconds, summary


if __name__ == "__main__":
    main()
