"""How fast the network probe loads an IP → AS dataset and places endpoints.

    python benchmarks/network.py --endpoints 100000

Writes a synthetic dataset in the full IPtoASN file's shape (500,000 ranges, IPv4 and IPv6,
tab-separated) and a file of endpoints (addresses, CIDRs and host names), then times loading
the dataset and placing every endpoint, and ends with one line:
``network: N endpoints, R ranges, load L s, place P s, peak M MiB``.
Target: load + place under 5 s.
"""

from __future__ import annotations

import argparse
import ipaddress
import random
import resource
import tempfile
import time
from pathlib import Path

from assessor.catalog.networks import load_network_catalog
from assessor.probes.base import ProbeConfig
from assessor.probes.network.datasets import open_dataset
from assessor.probes.network.probe import NetworkProbe

ASNS = [4134, 4809, 4837, 45102, 132203, 55990, 13335, 15169, 16509, 8075, 3356, 64500]


def generate(folder: Path, ranges: int, endpoints: int, seed: int = 11) -> tuple[Path, Path]:
    rng = random.Random(seed)
    dataset = folder / "ip2asn.tsv"
    lines = []
    v4 = int(ranges * 0.8)
    step = (2**32 - 2**24) // v4
    for index in range(v4):
        start = 2**24 + index * step
        asn = rng.choice(ASNS)
        lines.append(
            f"{ipaddress.IPv4Address(start)}\t{ipaddress.IPv4Address(start + step - 1)}\t{asn}"
            f"\t{rng.choice(['CN', 'US', 'HK', 'DE'])}\tNET-{asn}-{index}\n"
        )
    base = int(ipaddress.IPv6Address("2400::"))
    for index in range(ranges - v4):
        start = base + index * 2**96
        lines.append(
            f"{ipaddress.IPv6Address(start)}\t{ipaddress.IPv6Address(start + 2**96 - 1)}"
            f"\t{rng.choice(ASNS)}\tCN\tNET6-{index}\n"
        )
    dataset.write_text("".join(lines))
    listed = folder / "endpoints.txt"
    entries = []
    for index in range(endpoints):
        kind = index % 10
        if kind == 0:
            entries.append(f"host{index}.cos.ap-guangzhou.myqcloud.com")
        elif kind == 1:
            entries.append(f"{ipaddress.IPv6Address(base + rng.randrange(2**100))}")
        elif kind == 2:
            entries.append(
                f"{ipaddress.IPv4Address(rng.randrange(2**24, 2**32))}/24".split("/")[0] + "/24"
            )
        else:
            entries.append(str(ipaddress.IPv4Address(rng.randrange(2**24, 2**32))))
    listed.write_text("\n".join(entries) + "\n")
    return dataset, listed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--endpoints", type=int, default=100_000)
    parser.add_argument("--ranges", type=int, default=500_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        dataset_path, listed = generate(Path(folder), args.ranges, args.endpoints)
        load_network_catalog()
        started = time.perf_counter()
        dataset = open_dataset(dataset_path)
        load = time.perf_counter() - started
        ranges = getattr(dataset, "ranges", 0)
        del dataset
        started = time.perf_counter()
        probe = NetworkProbe(
            ProbeConfig({"dataset": (str(dataset_path),), "endpoints": (str(listed),)})
        )
        placed = sum(1 for item in probe.scan() if hasattr(item, "vendor"))
        whole = time.perf_counter() - started
    place = max(whole - load, 0.0)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{placed} endpoint assets")
    print(
        f"network: {args.endpoints} endpoints, {ranges} ranges, load {load:.2f} s, "
        f"place {place:.2f} s, peak {peak:.0f} MiB"
    )


if __name__ == "__main__":
    main()
