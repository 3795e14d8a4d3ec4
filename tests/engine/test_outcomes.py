"""The engine's compact findings read as the models they stand for: valid, equal on every
read, and in the one order every output uses, including the rare tie on rule and asset id."""

from __future__ import annotations

from assessor.catalog import Catalog, locate
from assessor.engine.evaluate import evaluate, sort_findings
from assessor.engine.examples import example_asset
from assessor.engine.loader import builtin_rules_dir, load_rules
from assessor.findings.identity import finding_fingerprint
from assessor.models import Asset, Finding, FindingStatus


def _estate(catalog: Catalog) -> list[Asset]:
    assets = []
    for index, (provider, region, account) in enumerate(
        [
            ("alibaba", "cn-hangzhou", "a"),
            ("aws", "cn-north-1", "b"),
            ("aws", "us-east-1", "c"),
            ("gcp", "asia-east2", "d"),
            ("aws", "xx-unknown-1", "e"),
        ]
        * 3
    ):
        spec = {
            "provider": provider,
            "region": region,
            "account": account,
            "name": f"<b>bucket-{index}</b>",
            "classification": "pii" if index % 2 else None,
            "flows": [{"kind": "replication", "target_region": "cn-shanghai"}]
            if index % 3 == 0
            else [],
        }
        assets.append(locate(example_asset("T", index, spec), catalog))
    # The same id in two accounts: findings tie on severity, rule and asset id, and only the
    # fingerprint (which names the account) orders them.
    for account in ("zz-second", "aa-first"):
        spec = {"provider": "alibaba", "region": "cn-beijing", "account": account}
        assets.append(locate(example_asset("T", 99, spec), catalog))
    return assets


def test_found_findings_read_as_valid_models_equal_on_every_read(catalog: Catalog) -> None:
    rules = load_rules([builtin_rules_dir()], catalog)
    assets = _estate(catalog)
    found = evaluate(assets, rules, catalog)
    by_id = {(asset.account, asset.id): asset for asset in assets}
    assert len(found) > 20
    first, again = list(found), list(found)
    assert first == again
    assert [found[index] for index in range(len(found))] == first
    assert found[-1] == first[-1]
    assert list(found[3:7]) == first[3:7]
    for finding in first:
        # What was built without validating passes validation unchanged.
        assert Finding.model_validate(finding.model_dump()) == finding
        assert finding.status is FindingStatus.OPEN
        owners = [asset for (_, id_), asset in by_id.items() if id_ == finding.asset_id]
        assert finding.fingerprint in {finding_fingerprint(finding.rule_id, a) for a in owners}
    # Messages name their own asset: the name is rendered per asset, not once per shape.
    names = {asset.id: asset.name for asset in assets}
    named = [f for f in first if "bucket-" in f.message]
    assert len({f.asset_id for f in named}) >= 10
    assert all(names[f.asset_id] in f.message for f in named)


def test_found_findings_sorted_as_every_output_orders_them(catalog: Catalog) -> None:
    rules = load_rules([builtin_rules_dir()], catalog)
    assets = _estate(catalog)
    found = evaluate(assets, rules, catalog)
    assert list(found) == sort_findings(list(found))
    # Reversed input gives the same order: nothing depends on the order assets came in.
    assert list(evaluate(list(reversed(assets)), rules, catalog)) == list(found)
    tied = [f for f in found if f.asset_id == "example:T:99"]
    assert len(tied) >= 2
    pairs: dict[str, list[str]] = {}
    for finding in tied:
        pairs.setdefault(finding.rule_id, []).append(finding.fingerprint)
    assert any(len(prints) == 2 for prints in pairs.values())
    assert all(prints == sorted(prints) for prints in pairs.values())
