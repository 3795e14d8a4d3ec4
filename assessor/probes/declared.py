"""Declared inventory probe: what no cloud API lists, from a YAML or CSV file.

SaaS vendors and where they hold data, carriers, network equipment, mobile apps and SDKs,
and data flows. It gives the Clean Carrier, Clean Path, Clean Store and Clean Apps rules
something real to act on. A malformed file is an input error naming file, line and field.

CSV columns: name, kind, vendor, country, provider, region, classification, records, owner,
description, flows_to (semicolon-separated country codes), endpoints (semicolon-separated
host names, addresses or CIDRs: the network probe places them).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

from pydantic import ValidationError

from assessor.errors import ConfigurationError, InputError
from assessor.inputs import load_validated_yaml, read_text
from assessor.models import Asset, DeclaredInventory, DeclaredItem, Flow, Provider
from assessor.probes.base import OptionKind, Probe, ProbeItem, ProbeOption

CSV_COLUMNS = (
    "name",
    "kind",
    "vendor",
    "country",
    "provider",
    "region",
    "classification",
    "records",
    "owner",
    "description",
    "flows_to",
    "endpoints",
)


class DeclaredProbe(Probe):
    """Items declared in files: the parts of an estate only people know about."""

    name = "declared"
    description = "Declared inventory: SaaS vendors, carriers, equipment, apps and data flows"
    version = "1"
    options = (ProbeOption("file", "YAML or CSV file of declared items", OptionKind.PATHS),)
    read_operations: ClassVar[frozenset[str]] = frozenset({"file:Read"})

    def scope(self) -> str:
        return "files " + ", ".join(map(str, self.settings.paths("file")))

    def scan(self) -> Iterator[ProbeItem]:
        files = self.settings.paths("file")
        if not files:
            raise ConfigurationError("the declared probe needs --declared-file PATH")
        for path in files:
            organization, items = read_declared(path)
            for item in items:
                yield declared_asset(item, organization, path.stem)


def read_declared(path: Path) -> tuple[str, list[DeclaredItem]]:
    if path.suffix.lower() == ".csv":
        return path.stem, list(_read_csv(path))
    inventory, _ = load_validated_yaml(path, DeclaredInventory)
    return inventory.organization, list(inventory.items)


def _read_csv(path: Path) -> Iterator[DeclaredItem]:
    name = str(path)
    reader = csv.DictReader(io.StringIO(read_text(path)))
    try:
        unknown = set(reader.fieldnames or ()) - set(CSV_COLUMNS)
        if unknown:
            raise InputError(name, 1, ", ".join(sorted(unknown)), "unknown column")
        for row in reader:
            yield _csv_item(row, name, reader.line_num)
    except csv.Error as error:
        raise InputError(name, reader.line_num, None, f"invalid CSV: {error}") from None


def _csv_item(row: dict[str | Any, Any], name: str, line: int) -> DeclaredItem:
    fields: dict[str, Any] = {
        k: v.strip() for k, v in row.items() if k and isinstance(v, str) and v.strip()
    }
    flows = fields.pop("flows_to", "")
    fields["flows"] = [{"country": c.strip().upper()} for c in flows.split(";") if c.strip()]
    fields["endpoints"] = [e.strip() for e in fields.pop("endpoints", "").split(";") if e.strip()]
    if "country" in fields:
        fields["country"] = fields["country"].upper()
    try:
        return DeclaredItem.model_validate(fields)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        raise InputError(name, line, field, " ".join(first["msg"].split())) from None


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "item"


def declared_asset(item: DeclaredItem, organization: str, source: str) -> Asset:
    tags = dict(item.tags)
    if item.records is not None:
        tags["records"] = str(item.records)
    if item.owner:
        tags["owner"] = item.owner
    flows = tuple(
        Flow(
            kind=flow.kind,
            target_region=flow.region,
            target_country=flow.country,
            target_id=flow.target,
        )
        for flow in item.flows
    )
    attributes = {"declared_in": source}
    if item.description:
        attributes["description"] = item.description
    if item.endpoints:
        attributes["endpoints"] = " ".join(item.endpoints)
    return Asset(
        id=f"declared:{_slug(organization)}:{item.kind.value}:{_slug(item.name)}",
        provider=item.provider or Provider.DECLARED,
        service=item.kind.value,
        kind=item.kind.value,
        name=item.name,
        account=organization,
        region=item.region,
        country=item.country,
        tags=tags,
        classification=item.classification.lower() if item.classification else None,
        vendor=item.vendor.lower() if item.vendor else None,
        flows=flows,
        attributes=attributes,
    )
