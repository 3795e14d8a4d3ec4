"""Findings grouped into risks: one fact about one asset with every policy line it breaks,
and the estate-level lines of the first screen, through the real engine and rule packs."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from assessor.catalog import Catalog, locate
from assessor.engine.selection import RuleSelection
from assessor.findings.identity import finding_fingerprint
from assessor.findings.risks import new_risks
from assessor.findings.scoring import SEVERITY_POINTS
from assessor.models import (
    Asset,
    Fact,
    FindingChange,
    FindingStatus,
    Inventory,
    Lifecycle,
    Provider,
    RunDiff,
    Severity,
)
from assessor.renderers import markdown, sarif
from assessor.run import assess

NOW = datetime(2026, 12, 1, tzinfo=UTC)
ACCOUNTS = ("5120000000000001", "5120000000000002", "5120000000000003")
# Where an Alibaba estate of a few thousand resources sits: mostly Frankfurt and Singapore,
# some Hong Kong, Shanghai and Virginia.
REGIONS = ("eu-central-1", "ap-southeast-1", "cn-hongkong", "cn-shanghai", "us-east-1")


def _alibaba_estate(catalog: Catalog, count: int) -> Inventory:
    assets = []
    for number in range(count):
        kind = ("bucket", "db-instance", "instance", "key", "vpc")[number % 5]
        pii = number % 7 == 0
        assets.append(
            locate(
                Asset(
                    id=f"acs:oss:{REGIONS[number % 5]}:{ACCOUNTS[number % 3]}:{kind}/r-{number}",
                    provider=Provider.ALIBABA,
                    service="oss" if kind == "bucket" else "ecs",
                    kind=kind,
                    name=f"r-{number}",
                    account=ACCOUNTS[number % 3],
                    region=REGIONS[(number // 5) % 5],
                    tags={"data-class": "pii"} if pii else {},
                    classification="pii" if pii else None,
                ),
                catalog,
            )
        )
    return Inventory(generated_at=NOW, assets=tuple(assets))


def test_an_estate_of_5000_alibaba_resources_reads_in_ten_lines(catalog: Catalog) -> None:
    taken = _alibaba_estate(catalog, 5000)
    result = assess(taken, RuleSelection().load(catalog), now=NOW)
    assert len(result.findings) > 10_000  # every pack says "the provider is Chinese" again
    assert 0 < len(result.estate_risks) <= 10
    held = [line for line in result.estate_risks if line.fact is Fact.PROVIDER]
    assert [(line.subject, line.asset_count, line.account_count) for line in held] == [
        ("alibaba", 5000, 3)
    ]
    # Every finding is a policy line of exactly one risk, and an asset never has two risks
    # for one fact and subject.
    lines = [line.fingerprint for risk in result.risks for line in risk.lines]
    assert sorted(lines) == sorted(f.fingerprint for f in result.findings)
    keys = [(r.asset_id, r.fact, r.subject) for r in result.risks]
    assert len(keys) == len(set(keys))
    text = markdown.render(result).decode()
    assert len(text.splitlines()) < 60 and "open risks" in text
    # SARIF still carries the findings, each with its unchanged fingerprint.
    log = json.loads(sarif.render(result))
    fingerprints = {
        r["partialFingerprints"][sarif.FINGERPRINT_KEY]
        for run in log["runs"]
        for r in run["results"]
    }
    assert fingerprints and fingerprints <= {f.fingerprint for f in result.findings}


def test_one_fact_broken_by_four_packs_is_one_risk_and_counts_once(catalog: Catalog) -> None:
    taken = _alibaba_estate(catalog, 1)  # a bucket in Frankfurt... moved to Hong Kong:
    bucket = locate(
        taken.assets[0].model_copy(update={"region": "cn-hongkong", "location": None}), catalog
    )
    result = assess(taken.model_copy(update={"assets": (bucket,)}), RuleSelection().load(catalog))
    facts = {risk.fact: risk for risk in result.risks}
    assert set(facts) <= {Fact.LOCATION, Fact.PROVIDER, Fact.KEY_CUSTODY, Fact.VOLUME}
    where = facts[Fact.LOCATION]
    assert where.subject == "HK" and {line.pack for line in where.lines} >= {
        "clean-network",
        "countries-of-concern",
    }
    assert {line.rule_id for line in facts[Fact.PROVIDER].lines} >= {"ACR-001", "CLN-001"}
    points = sum(SEVERITY_POINTS[r.severity] for r in result.risks)
    assert result.scores is not None
    assert result.scores.assets[bucket.id].points == points  # per risk, not per finding
    assert points < sum(SEVERITY_POINTS[f.severity] for f in result.findings)


def test_a_risk_is_as_severe_as_its_worst_open_line_and_waived_when_all_are() -> None:
    from assessor.findings.risks import group
    from assessor.models import Finding, Location, RuleSummary

    asset = Asset(
        id="b", provider=Provider.AWS, service="s3", kind="bucket", name="b", account="1",
        region="ap-east-1",
        location=Location(known=True, country="HK", countries=("HK",)),
    )  # fmt: skip

    def finding(rule: str, severity: Severity, status: FindingStatus) -> Finding:
        return Finding(
            fingerprint=finding_fingerprint(rule, asset), rule_id=rule, rule_name=rule.lower(),
            pack=rule[:3], asset_id="b", severity=severity, title=rule, message=rule,
            status=status,
        )  # fmt: skip

    rules = [
        RuleSummary(id=rule, name=rule.lower(), pack=rule[:3], title=rule, severity=Severity.HIGH,
                    policy="p", rationale="r", remediation="m", fact=Fact.LOCATION)
        for rule in ("AAA-001", "BBB-001")
    ]  # fmt: skip
    mixed = group(
        [
            finding("AAA-001", Severity.CRITICAL, FindingStatus.WAIVED),
            finding("BBB-001", Severity.MEDIUM, FindingStatus.OPEN),
        ],
        {"b": asset},
        rules,
    )
    ((risk,),) = [mixed]
    assert (risk.severity, risk.status) == (Severity.MEDIUM, FindingStatus.OPEN)
    assert [line.status for line in risk.lines] == [FindingStatus.WAIVED, FindingStatus.OPEN]
    waived = group([finding("AAA-001", Severity.HIGH, FindingStatus.WAIVED)], {"b": asset}, rules)
    assert waived[0].status is FindingStatus.WAIVED


def test_new_and_resolved_risks_are_counted_from_their_findings(catalog: Catalog) -> None:
    def change(fingerprint: str, lifecycle: Lifecycle, risk: str) -> FindingChange:
        return FindingChange(
            fingerprint=fingerprint, lifecycle=lifecycle, ocsf_status=lifecycle.ocsf_status,
            rule_id="R", asset_id="a", severity=Severity.HIGH, title="t", first_seen=NOW,
            age_days=0, risk_id=risk,
        )  # fmt: skip

    diff = RunDiff(
        previous_run=1,
        previous_at=NOW,
        findings=(
            change("f1", Lifecycle.NEW, "risk-a"),
            change("f2", Lifecycle.NEW, "risk-a"),
            change("f3", Lifecycle.NEW, "risk-b"),  # a new line of a risk already open
            change("f4", Lifecycle.STILL_OPEN, "risk-b"),
            change("f5", Lifecycle.RESOLVED, "risk-c"),
        ),
    )
    assert (diff.risks(Lifecycle.NEW), diff.count(Lifecycle.NEW)) == (1, 3)
    assert diff.risks(Lifecycle.RESOLVED) == 1
    taken = _alibaba_estate(catalog, 3)
    result = assess(taken, RuleSelection().load(catalog), now=NOW)
    everything_new = {f.fingerprint for f in result.findings}
    opened = [r for r in result.risks if r.status is FindingStatus.OPEN]
    assert new_risks(result.risks, everything_new) == opened
    assert new_risks(result.risks, set()) == []


def test_fingerprints_written_before_risks_existed_still_match(catalog: Catalog) -> None:
    # From the demo's report.json at commit 2755f01, before findings were grouped into
    # risks: baselines and SARIF alerts written then must keep matching.
    bucket = locate(
        Asset(
            id="acs:oss:cn-hongkong:5120000000000001:bucket/nw-hk-customer-exports",
            provider=Provider.ALIBABA, service="oss", kind="bucket",
            name="nw-hk-customer-exports", account="5120000000000001", region="cn-hongkong",
        ),
        catalog,
    )  # fmt: skip
    result = assess(Inventory(generated_at=NOW, assets=(bucket,)), RuleSelection().load(catalog))
    (acr,) = [f for f in result.findings if f.rule_id == "ACR-001"]
    assert acr.fingerprint == "5657a749910ff92060a5e6695b1adcae"
    assert any(acr.fingerprint in [line.fingerprint for line in r.lines] for r in result.risks)


def test_a_result_written_before_risks_is_grouped_when_it_is_rendered_again(
    catalog: Catalog,
) -> None:
    from assessor.run import upgraded

    taken = _alibaba_estate(catalog, 20)
    current = assess(taken, RuleSelection().load(catalog), now=NOW)
    # As schema 1 wrote it: no facts on its rules, no risks.
    old = current.model_copy(
        update={
            "schema_version": "1",
            "rules": tuple(r.model_copy(update={"fact": None}) for r in current.rules),
            "risks": (),
            "estate_risks": (),
        }
    )
    again = upgraded(old)
    assert again.risks == current.risks and again.estate_risks == current.estate_risks
    assert upgraded(current) is current  # a result with its risks is left as it is
