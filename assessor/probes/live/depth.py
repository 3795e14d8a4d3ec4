"""Depth reads after the index: each bucket's replication rules and each database's backup
copies, one call per resource. A read that fails keeps its asset (its location is known)
and is a gap naming the resource, its account and the operation."""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from typing import Protocol

from assessor.models import Asset, CoverageGap, Flow, GapReason, Provider, replaced
from assessor.probes.live.calls import FaultError
from assessor.probes.live.errors import ABSENT


class BucketReader(Protocol):
    """A provider's object storage as the bucket pass sees it: the operations it calls, as
    declared, for the gaps."""

    listing_operation: str
    replication_operation: str

    def buckets(self) -> Iterator[tuple[str, str | None]]:
        """Every bucket's name and region."""
        ...

    def replication(self, name: str, region: str | None) -> list[Flow]:
        """The copies a bucket's replication rules make."""
        ...


def read_buckets(
    reader: BucketReader,
    probe: str,
    service: str,
    make: Callable[[str, str | None, list[Flow]], Asset],
    account: str | None = None,
    regions: Iterable[str] = (),
    accounts: Mapping[str, str] | None = None,
) -> Generator[CoverageGap, None, dict[str, Asset]]:
    """Every bucket with its replication flows; a bucket whose rules cannot be read (or whose
    region is not among ``regions``, when any are chosen) is still an asset (its location is
    known), and what was not read a gap naming the bucket and its account (``accounts``:
    bucket name → account, from the index, else ``account``). Yields gaps, returns the
    buckets."""
    owners = accounts or {}
    found: dict[str, Asset] = {}
    chosen = frozenset(regions)
    skipped: dict[str | None, list[str]] = {}
    try:
        for name, region in reader.buckets():
            flows: list[Flow] = []
            if chosen and region not in chosen:
                skipped.setdefault(region, []).append(name)
            else:
                try:
                    flows = reader.replication(name, region)
                except FaultError as error:
                    if error.fault.message != ABSENT:
                        yield error.gap(
                            probe,
                            account=owners.get(name, account),
                            region=region,
                            service=service,
                            operation=reader.replication_operation,
                            resource=name,
                        )
            found[name] = make(name, region, flows)
    except FaultError as error:
        yield error.gap(
            probe,
            account=account,
            region=None,
            service=service,
            operation=reader.listing_operation,
            lost="buckets after those listed" if found else "",
        )
    for region, names in sorted(skipped.items(), key=lambda item: item[0] or ""):
        shown = ", ".join(sorted(names)[:5]) + (" …" if len(names) > 5 else "")
        yield CoverageGap(
            probe=probe,
            reason=GapReason.REGION_DISABLED,
            message=f"buckets in {region} (not selected by --{probe}-regions): listed with their "
            f"location, but their replication rules were not read ({len(names)}: {shown})",
            account=account,
            region=region,
            service=service,
            operation=reader.replication_operation,
            resource=names[0] if len(names) == 1 else None,
        )
    return found


def with_buckets(assets: Iterable[Asset], buckets: dict[str, Asset]) -> Iterator[Asset]:
    """The index's assets, a bucket among them given the flows its replication rules name;
    then the buckets the index did not list."""
    for asset in assets:
        bucket = buckets.pop(asset.name, None) if asset.kind == "bucket" else None
        yield replaced(asset, flows=bucket.flows) if bucket is not None else asset
    yield from buckets.values()


def with_copies(
    assets: list[Asset],
    probe: str,
    operation: str,
    reads: Callable[[Asset], bool],
    read: Callable[[Asset], list[Flow]],
) -> Generator[CoverageGap, None, list[Asset]]:
    """One depth call per asset that ``reads`` picks (a database's cross-region backup
    policy, ``operation`` as declared: ``service:Operation``), its copies added as flows; a
    refused call is a gap naming the asset and its account, and the asset stays."""
    service = operation.partition(":")[0]
    out: list[Asset] = []
    for asset in assets:
        if reads(asset):
            try:
                flows = read(asset)
            except FaultError as error:
                if error.fault.message != ABSENT:
                    yield error.gap(
                        probe,
                        account=asset.account,
                        region=asset.region,
                        service=service,
                        operation=operation,
                        resource=asset.id,
                    )
            else:
                asset = replaced(asset, flows=(*asset.flows, *flows)) if flows else asset
        out.append(asset)
    return out


def bucket_asset(
    provider: Provider,
    service: str,
    identity: str,
    name: str,
    region: str | None,
    flows: Iterable[Flow],
    account: str = "unknown",
) -> Asset:
    """An object-storage bucket the bucket pass found (with its replication flows)."""
    return Asset(
        id=identity,
        provider=provider,
        service=service,
        kind="bucket",
        name=name,
        account=account,
        region=region,
        flows=tuple(flows),
    )
