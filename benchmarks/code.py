"""How fast the code probe reads lockfiles and SBOMs and matches them against the catalog.

    python benchmarks/code.py --packages 50000

Writes synthetic files of that many package entries in all, across formats (npm, Yarn,
pnpm, Gradle, CocoaPods, pub, Go, Poetry, pip, CycloneDX, SPDX), one in a hundred a listed
SDK, then reads them as the probe does (parse) and matches every entry and builds the
assets (match), and ends with one line:
``code: N packages, M files, parse P s, match Q s, peak R MiB``.
Target: 50,000 packages in under 5 s.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from assessor.catalog import load_catalog
from assessor.catalog.sdks import load_sdk_catalog
from assessor.inputs import read_text
from assessor.probes.base import ProbeConfig
from assessor.probes.code.files import limits_for, walk
from assessor.probes.code.probe import CodeProbe

HITS = {
    "npm": ("@tencentcloud", "chat"),
    "maven": ("com.pangle.global", "ads-sdk"),
    "cocoapods": (None, "WechatOpenSDK"),
    "pub": (None, "tencent_cloud_chat_sdk"),
    "golang": ("github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud", "common"),
    "pypi": (None, "dashscope"),
}


def _names(kind: str, count: int, rng: random.Random) -> list[tuple[str | None, str, str]]:
    """(namespace, name, version) entries, about one in a hundred a listed SDK."""
    entries = []
    for index in range(count):
        if rng.random() < 0.01 and kind in HITS:
            namespace, name = HITS[kind]
        else:
            namespace, name = (
                {"maven": "org.example", "golang": "github.com/example"}.get(kind),
                f"p{index}",
            )
        entries.append((namespace, name, f"1.{index % 50}.{index % 7}"))
    return entries


def _npm_lock(entries: list[tuple[str | None, str, str]]) -> str:
    packages = {"": {"name": "app", "dependencies": {}}}
    for namespace, name, version in entries:
        full = f"{namespace}/{name}" if namespace else name
        packages[f"node_modules/{full}"] = {
            "version": version,
            "resolved": f"https://registry.npmjs.org/{full}/-/{name}-{version}.tgz",
            "integrity": "sha512-" + "A" * 86,
        }
    return json.dumps({"name": "app", "lockfileVersion": 3, "packages": packages}, indent=2)


def _yarn(entries: list[tuple[str | None, str, str]]) -> str:
    return "# yarn lockfile v1\n\n" + "".join(
        f'"{(namespace + "/") if namespace else ""}{name}@^{version}":\n'
        f'  version "{version}"\n  resolved "https://registry.yarnpkg.com/{name}/-/{name}.tgz"\n\n'
        for namespace, name, version in entries
    )


def _gradle(entries: list[tuple[str | None, str, str]]) -> str:
    return "".join(
        f"{namespace}:{name}:{version}=releaseRuntimeClasspath\n"
        for namespace, name, version in entries
    )


def _pods(entries: list[tuple[str | None, str, str]]) -> str:
    return "PODS:\n" + "".join(f"  - {name} ({version})\n" for _, name, version in entries)


def _pubspec(entries: list[tuple[str | None, str, str]]) -> str:
    return "packages:\n" + "".join(
        f"  {name}:\n    dependency: transitive\n    description:\n      name: {name}\n"
        f'      url: "https://pub.dev"\n    source: hosted\n    version: "{version}"\n'
        for _, name, version in entries
    )


def _go(entries: list[tuple[str | None, str, str]]) -> str:
    return "".join(
        f"{namespace}/{name} v{version} h1:abc=\n" for namespace, name, version in entries
    )


def _poetry(entries: list[tuple[str | None, str, str]]) -> str:
    return "".join(
        f'[[package]]\nname = "{name}"\nversion = "{version}"\noptional = false\n\n'
        for _, name, version in entries
    )


def _requirements(entries: list[tuple[str | None, str, str]]) -> str:
    return "".join(f"{name}=={version}\n" for _, name, version in entries)


def _cyclonedx(entries: list[tuple[str | None, str, str]]) -> str:
    components = [
        {"type": "library", "name": name, "version": version, "purl": f"pkg:pypi/{name}@{version}"}
        for _, name, version in entries
    ]
    return json.dumps(
        {"bomFormat": "CycloneDX", "specVersion": "1.5", "components": components}, indent=1
    )


FORMATS: list[tuple[str, str, Callable[[list[tuple[str | None, str, str]]], str]]] = [
    ("npm", "package-lock.json", _npm_lock),
    ("npm", "yarn.lock", _yarn),
    ("maven", "gradle.lockfile", _gradle),
    ("cocoapods", "Podfile.lock", _pods),
    ("pub", "pubspec.lock", _pubspec),
    ("golang", "go.sum", _go),
    ("pypi", "poetry.lock", _poetry),
    ("pypi", "requirements.txt", _requirements),
    ("pypi", "bom.cdx.json", _cyclonedx),
]


def generate(root: Path, packages: int, seed: int = 7) -> int:
    rng = random.Random(seed)
    per_format = packages // len(FORMATS)
    files = 0
    for index, (kind, name, write) in enumerate(FORMATS):
        for part in range(4):  # four projects per format
            folder = root / f"{index}-{kind}" / f"project{part}"
            folder.mkdir(parents=True)
            (folder / name).write_text(write(_names(kind, per_format // 4, rng)))
            files += 1
    return files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--packages", type=int, default=50_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        files = generate(root, args.packages)
        catalog = load_catalog()
        load_sdk_catalog()
        started = time.perf_counter()
        entries = 0
        for path, reader in walk(root):
            found = reader(path, read_text(path, limits_for(reader)), None)
            entries += len(found.packages)
        parse = time.perf_counter() - started
        started = time.perf_counter()
        probe = CodeProbe(ProbeConfig({"path": (str(root),)}))
        assets = [item for item in probe.scan() if hasattr(item, "vendor")]
        whole = time.perf_counter() - started
    del catalog
    match = max(whole - parse, 0.0)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{len(assets)} assets from {entries} package entries")
    print(
        f"code: {entries} packages, {files} files, parse {parse:.2f} s, match {match:.2f} s, "
        f"peak {peak:.0f} MiB"
    )


if __name__ == "__main__":
    main()
