"""Every data model assessor passes between its stages, in one place.

Probes produce :class:`Asset` and :class:`CoverageGap`; the inventory attaches a
:class:`Location` to each; the rules engine turns assets into :class:`Finding`;
renderers turn an :class:`AuditResult` into files. All models are frozen and reject
unknown fields, so a typo in an inventory or report file is an error, not a silent default.
The JSON Schema printed by ``assessor schema`` is generated from these classes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag

SCHEMA_VERSION = "1"

CountryCode = Annotated[str, Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")]
# Jurisdictions are ISO country codes plus supranational bodies whose law reaches data (EU).
JurisdictionCode = Annotated[str, Field(pattern=r"^[A-Z]{2}$")]


class Model(BaseModel):
    """Base of every assessor model: immutable, strict about unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_enum_values=False)


_SHARED_FIELD_SETS: dict[frozenset[str], set[str]] = {}


def shared_fields_set(names: Iterable[str]) -> set[str]:
    """One set object per distinct combination of field names.

    Pydantic keeps a set of explicitly-set field names on every instance; for a million
    assets and their findings those sets cost over a gigabyte. Frozen models never change
    the set, so instances with the same names can share one.
    """
    key = frozenset(names)
    found = _SHARED_FIELD_SETS.get(key)
    if found is None:
        found = _SHARED_FIELD_SETS[key] = set(key)
    return found


_M = TypeVar("_M", bound=BaseModel)


def replaced(model: _M, **changes: Any) -> _M:
    """``model.model_copy(update=changes)`` for already-valid values, sharing the fields set.

    Only for values that are already of the field's type (as when attaching a catalog
    Location); nothing is validated.
    """
    fields = {**model.__dict__, **changes}
    fields_set = shared_fields_set(model.model_fields_set | changes.keys())
    return type(model).model_construct(_fields_set=fields_set, **fields)


class Severity(StrEnum):
    """How bad a finding is; ordered from least to most severe."""

    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _SEVERITY_ORDER.index(self)

    def at_least(self, other: Severity) -> bool:
        return self.rank >= other.rank


_SEVERITY_ORDER = list(Severity)


class Provider(StrEnum):
    """Providers the location catalog knows; probes tag each asset with one."""

    AWS = "aws"
    GCP = "gcp"
    AZURE = "azure"
    ALIBABA = "alibaba"
    TENCENT = "tencent"
    HUAWEI = "huawei"
    ORACLE = "oracle"
    BAIDU = "baidu"
    # Things no cloud API lists (SaaS vendors, carriers, equipment, apps), from a declared file.
    DECLARED = "declared"


class LocationScope(StrEnum):
    """How much of the world one location code covers."""

    REGION = "region"
    DUAL_REGION = "dual-region"
    MULTI_REGION = "multi-region"
    COUNTRY = "country"
    UNKNOWN = "unknown"


class Confidence(StrEnum):
    """How sure the catalog is of a row (see shared domain facts for the tags)."""

    VERIFIED = "V"
    REPORTED = "R"
    KNOWN = "K"
    UNCERTAIN = "U"


class Location(Model):
    """Where a region physically is, and whose law reaches data stored there.

    ``known`` is false when the catalog has no row for the region: the location is then
    reported as unknown, never guessed. ``countries`` lists every country data may sit in
    (one for a region, several for dual- and multi-regions).
    """

    known: bool
    provider: Provider | None = None
    region: str | None = None
    name: str | None = None
    scope: LocationScope = LocationScope.UNKNOWN
    country: CountryCode | None = None
    countries: tuple[CountryCode, ...] = ()
    city: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    jurisdictions: tuple[JurisdictionCode, ...] = ()
    operator: str | None = Field(
        default=None, description="Local company that runs the region for the provider"
    )
    operator_jurisdiction: CountryCode | None = None
    partition: str | None = Field(
        default=None, description="Provider partition, cloud or realm (aws-cn, azure-china, oc2)"
    )
    confidence: Confidence | None = None
    source: str | None = Field(default=None, description="Catalog source id for this row")

    @classmethod
    def unknown(cls, provider: Provider | None, region: str | None) -> Location:
        return cls(known=False, provider=provider, region=region)


class ProviderProfile(Model):
    """Who a provider is, where it is headquartered and whose law reaches it everywhere."""

    id: Provider
    name: str
    parent: str
    hq_country: CountryCode
    hq_city: str
    jurisdictions: tuple[JurisdictionCode, ...]
    named_in: tuple[str, ...] = ()
    confidence: Confidence
    sources: tuple[str, ...]


class VendorProfile(Model):
    """A company that is not a cloud provider in the region catalog: a SaaS vendor, a carrier,
    an equipment maker, an app developer. Keyed by a short id used in declared inventories."""

    id: str
    name: str
    parent: str
    hq_country: CountryCode
    jurisdictions: tuple[JurisdictionCode, ...]
    categories: tuple[str, ...] = ()
    named_in: tuple[str, ...] = ()
    confidence: Confidence
    sources: tuple[str, ...]


class CountryGroup(Model):
    """A named set of countries that rules refer to as ``in:NAME``."""

    name: str
    description: str
    countries: frozenset[CountryCode]
    sources: tuple[str, ...]


class KeyCustody(StrEnum):
    """Who holds the key that encrypts the data: decides who can be compelled to decrypt."""

    NONE = "none"
    PROVIDER_MANAGED = "provider-managed"
    CUSTOMER_MANAGED = "customer-managed"
    CUSTOMER_EXTERNAL = "customer-external"
    UNKNOWN = "unknown"


class Encryption(Model):
    """At-rest encryption of an asset and where its key lives."""

    custody: KeyCustody = KeyCustody.UNKNOWN
    algorithm: str | None = None
    key_id: str | None = None
    key_region: str | None = None


class FlowKind(StrEnum):
    """Why a copy of an asset's data exists somewhere else."""

    REPLICATION = "replication"
    BACKUP = "backup"
    SNAPSHOT_COPY = "snapshot-copy"
    READ_REPLICA = "read-replica"
    KEY_REPLICA = "key-replica"
    DATA_PLACEMENT = "data-placement"


class Flow(Model):
    """An edge from an asset to a place where copies of its data go."""

    kind: FlowKind
    target_region: str | None = None
    target_country: CountryCode | None = Field(
        default=None, description="Where the copy goes when only the country is declared"
    )
    target_id: str | None = None
    target_location: Location | None = None


class CodeLocation(Model):
    """Where an asset is declared in infrastructure code."""

    path: str = Field(description="File path relative to the scanned root")
    start_line: int
    end_line: int
    module: str = Field(default="", description="Module path, e.g. module.store")
    address: str = Field(description="Resource address, e.g. aws_s3_bucket.data")


class Asset(Model):
    """One thing that holds data or runs a workload, with where it is."""

    id: str = Field(description="Stable cloud identity: an ARN, a full resource name, ...")
    provider: Provider
    service: str
    kind: str
    name: str
    account: str
    region: str | None = None
    country: CountryCode | None = Field(
        default=None, description="Declared country, for items with no provider region"
    )
    location: Location | None = None
    tags: dict[str, str] = Field(default_factory=dict)
    classification: str | None = Field(
        default=None, description="Data class from tags or labels such as data-class"
    )
    encryption: Encryption | None = None
    public_access_blocked: bool | None = None
    vendor: str | None = Field(
        default=None, description="Vendor id (catalog vendors.yaml) for declared items"
    )
    flows: tuple[Flow, ...] = ()
    attributes: dict[str, str] = Field(
        default_factory=dict, description="Provider-specific facts shown in the report"
    )
    source: CodeLocation | None = Field(
        default=None, description="Where infrastructure code declares the asset"
    )
    waivers: tuple[Waiver, ...] = Field(
        default=(), description="Waivers declared next to the asset (inline comments)"
    )


class GapReason(StrEnum):
    """Why part of the estate could not be read."""

    ACCESS_DENIED = "access_denied"
    THROTTLED = "throttled"
    REGION_DISABLED = "region_disabled"
    ERROR = "error"


class CoverageGap(Model):
    """Part of the estate a probe could not read: a result, not a log line."""

    probe: str
    reason: GapReason
    message: str
    account: str | None = None
    region: str | None = None
    service: str | None = None
    resource: str | None = None


class ProbeRun(Model):
    """Which probe ran, with which version and options."""

    name: str
    version: str
    scope: str = Field(description="What the probe looked at: account ids, projects, paths")
    asset_count: int
    gap_count: int
    seconds: float
    notes: tuple[str, ...] = Field(default=(), description="What the probe saw but did not model")


class Inventory(Model):
    """Everything the probes found, with locations attached."""

    schema_version: str = SCHEMA_VERSION
    generated_at: datetime
    probes: tuple[ProbeRun, ...] = ()
    assets: tuple[Asset, ...] = ()
    gaps: tuple[CoverageGap, ...] = ()


class SourceRef(Model):
    """A citable source for a rule or a catalog row."""

    title: str
    url: str
    date: str | None = None


# --- rules -----------------------------------------------------------------------------------


class CompareOp(StrEnum):
    """Comparison operators of the condition language."""

    EQ = "eq"
    NE = "ne"
    IN = "in"
    NOT_IN = "not_in"
    INTERSECTS = "intersects"
    SUBSET_OF = "subset_of"
    GLOB = "glob"
    REGEX = "regex"
    EXISTS = "exists"
    GT = "gt"
    GTE = "gte"
    LT = "lt"
    LTE = "lte"


Scalar = str | int | float | bool
Operand = Scalar | list[Scalar] | None


class Compare(Model):
    """``{field: location.country, op: in, value: in:countries-of-concern}``.

    A string value ``in:NAME`` stands for the catalog's country group NAME (also inside a
    list); ``param:NAME`` stands for the rule parameter NAME.
    """

    field: str
    op: CompareOp
    value: Operand = None


class AllOf(Model):
    """True when every condition holds."""

    all: tuple[Condition, ...] = Field(min_length=1)


class AnyOf(Model):
    """True when at least one condition holds."""

    any: tuple[Condition, ...] = Field(min_length=1)


class Not(Model):
    """True when the condition does not hold."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)
    not_: Condition = Field(alias="not")


class FlowQuery(Model):
    """Which of an asset's flows to look at, and what must hold for one of them."""

    kinds: tuple[FlowKind, ...] = ()
    where: Condition


class FlowsMatch(Model):
    """True when at least one of the asset's flows (of the given kinds) satisfies ``where``."""

    flows: FlowQuery


def _condition_tag(value: Any) -> str | None:
    keys = ("all", "any", "not", "flows", "field")
    if isinstance(value, dict):
        return next((key for key in keys if key in value), None)
    for key, model in (("all", AllOf), ("any", AnyOf), ("not", Not), ("flows", FlowsMatch)):
        if isinstance(value, model):
            return key
    return "field" if isinstance(value, Compare) else None


Condition = Annotated[
    Annotated[AllOf, Tag("all")]
    | Annotated[AnyOf, Tag("any")]
    | Annotated[Not, Tag("not")]
    | Annotated[FlowsMatch, Tag("flows")]
    | Annotated[Compare, Tag("field")],
    Discriminator(
        _condition_tag,
        custom_error_type="condition",
        custom_error_message="a condition needs one of the keys all, any, not, flows or field",
    ),
]


class Parameter(Model):
    """A value an organization may override; conditions refer to it as ``param:NAME``."""

    default: Scalar | list[Scalar]
    description: str


class Escalation(Model):
    """Raise a finding's severity when an extra condition holds (sensitive data, say)."""

    when: Condition
    severity: Severity
    reason: str


class Selector(Model):
    """Which assets a rule looks at; empty lists mean all."""

    providers: tuple[Provider, ...] = ()
    services: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()


class RuleExamples(Model):
    """Example assets (partial Asset fields) the rule must fire on, and must not."""

    violating: tuple[dict[str, Any], ...] = ()
    compliant: tuple[dict[str, Any], ...] = ()


class Rule(Model):
    """One check: which assets, what condition, and why it matters."""

    id: str = Field(pattern=r"^[A-Z]{2,6}-\d{3}$", description="Stable code, never reused")
    name: str = Field(pattern=r"^[a-z0-9-]+(\.[a-z0-9-]+)+$", description="Dotted name")
    aliases: tuple[str, ...] = ()
    title: str
    severity: Severity
    policy: str = Field(description="The line of policy this rule comes from")
    rationale: str
    remediation: str
    message: str = Field(description="Finding text; {field.path} inserts a field's value")
    sources: tuple[SourceRef, ...] = Field(min_length=1)
    parameters: dict[str, Parameter] = Field(default_factory=dict)
    select: Selector = Selector()
    when: Condition
    escalate: tuple[Escalation, ...] = ()
    evidence: tuple[str, ...] = Field(
        default=(), description="Fields always shown in the finding, e.g. mitigating key custody"
    )
    examples: RuleExamples = RuleExamples()


class RulePack(Model):
    """A file of rules that belong together (a policy or a program)."""

    pack: str = Field(pattern=r"^[a-z0-9-]+$")
    title: str
    description: str
    rules: tuple[Rule, ...] = Field(min_length=1)


class FindingStatus(StrEnum):
    """Whether a finding counts: waived and baselined findings stay visible but do not fail
    a run."""

    OPEN = "open"
    WAIVED = "waived"
    BASELINED = "baselined"


class Waiver(Model):
    """An accepted risk: which rule, which assets (glob on id or name), who, why, until when."""

    rule: str = Field(description="Rule id, name or alias; '*' for every rule")
    asset: str = Field(description="Glob matched against the asset id and the asset name")
    owner: str = Field(min_length=1)
    reason: str = Field(min_length=1)
    expires: date
    source: str | None = Field(default=None, description="file:line the waiver came from")


class WaiverFile(Model):
    """A file of accepted risks."""

    waivers: tuple[Waiver, ...] = ()


class BaselineEntry(Model):
    """A finding accepted as already known; matched by fingerprint, never by line."""

    fingerprint: str
    rule_id: str
    asset_id: str
    account: str
    reason: str | None = None
    expires: date | None = None


class Baseline(Model):
    """``.assessor-baseline.json``: sorted, reviewable, versioned."""

    schema_version: str = "1"
    entries: tuple[BaselineEntry, ...] = ()


class BaselineOutcome(Model):
    """What a baseline did to a run."""

    path: str
    matched: int
    stale: tuple[BaselineEntry, ...] = Field(
        default=(), description="Entries that matched no finding (fixed, or renamed)"
    )
    expired: tuple[BaselineEntry, ...] = Field(
        default=(), description="Entries past their expiry: their findings count again"
    )


class Finding(Model):
    """One rule firing on one asset, with the evidence that made it fire."""

    fingerprint: str = Field(description="Stable identity; see assessor.identity")
    rule_id: str
    rule_name: str
    pack: str
    asset_id: str
    severity: Severity
    title: str
    message: str
    evidence: dict[str, str] = Field(default_factory=dict)
    sources: tuple[SourceRef, ...] = ()
    status: FindingStatus = FindingStatus.OPEN
    waiver: Waiver | None = None


class Lifecycle(StrEnum):
    """Where a finding is in its life since the last run of the same scope.

    ``ocsf_status`` gives the matching status name of the OCSF finding schema.
    """

    NEW = "new"
    STILL_OPEN = "still_open"
    WAIVED = "waived"
    RESOLVED = "resolved"
    UNKNOWN = "unknown"  # vanished behind a new coverage gap: not resolved

    @property
    def ocsf_status(self) -> str:
        return {
            Lifecycle.NEW: "New",
            Lifecycle.STILL_OPEN: "In Progress",
            Lifecycle.WAIVED: "Suppressed",
            Lifecycle.RESOLVED: "Resolved",
            Lifecycle.UNKNOWN: "Other",
        }[self]


class FindingChange(Model):
    """One finding's place in the diff with the previous run."""

    fingerprint: str
    lifecycle: Lifecycle
    ocsf_status: str
    rule_id: str
    asset_id: str
    severity: Severity
    title: str
    first_seen: datetime
    age_days: int
    note: str | None = None


class TrendPoint(Model):
    """Open findings by severity in one past run, for the trend chart."""

    run_id: int
    at: datetime
    open_by_severity: dict[Severity, int]


class RunDiff(Model):
    """What changed since the previous run of the same scope."""

    previous_run: int | None
    previous_at: datetime | None
    findings: tuple[FindingChange, ...] = ()
    assets_added: tuple[str, ...] = ()
    assets_removed: tuple[str, ...] = ()
    gaps_appeared: tuple[str, ...] = ()
    gaps_disappeared: tuple[str, ...] = ()
    trend: tuple[TrendPoint, ...] = ()

    def count(self, lifecycle: Lifecycle) -> int:
        return sum(1 for change in self.findings if change.lifecycle is lifecycle)


class RuleSummary(Model):
    """What the report needs to know of a rule that ran."""

    id: str
    name: str
    pack: str
    title: str
    severity: Severity
    policy: str
    rationale: str
    remediation: str
    sources: tuple[SourceRef, ...] = ()


class RiskScore(Model):
    """A 0-100 score and the numbers it came from, so the report can show its arithmetic."""

    score: float
    points: float = Field(description="Sum of severity points of open findings")
    data_factor: float = 1.0
    exposure_factor: float = 1.0


class Scores(Model):
    """Risk per asset, per account and overall; ``method`` explains the arithmetic."""

    overall: float
    accounts: dict[str, float] = Field(default_factory=dict)
    assets: dict[str, RiskScore] = Field(default_factory=dict)
    drivers: tuple[str, ...] = Field(default=(), description="Asset ids that drive the score")
    method: str


class Summary(Model):
    """Counts the report leads with."""

    asset_count: int
    finding_count: int
    gap_count: int
    by_severity: dict[Severity, int]
    by_country: dict[str, int]
    by_provider: dict[str, int]
    worst_severity: Severity | None


class AuditResult(Model):
    """The whole outcome of one audit: what renderers turn into reports."""

    schema_version: str = SCHEMA_VERSION
    tool_version: str
    generated_at: datetime
    probes: tuple[ProbeRun, ...] = ()
    packs: tuple[str, ...] = ()
    rules: tuple[RuleSummary, ...] = ()
    assets: tuple[Asset, ...] = ()
    findings: tuple[Finding, ...] = ()
    gaps: tuple[CoverageGap, ...] = ()
    summary: Summary
    scores: Scores | None = None
    expired_waivers: tuple[Waiver, ...] = ()
    unused_waivers: tuple[Waiver, ...] = ()
    baseline: BaselineOutcome | None = None
    changes: RunDiff | None = Field(default=None, description="Since the last run (--history)")
    run_id: int | None = Field(default=None, description="This run's id in the history store")


class DeclaredKind(StrEnum):
    """What a declared item is."""

    SAAS = "saas"
    CLOUD = "cloud"
    CARRIER = "carrier"
    EQUIPMENT = "equipment"
    APP = "app"
    SDK = "sdk"
    APP_STORE = "app-store"
    DEVICE = "device"
    FLOW = "flow"


class DeclaredFlow(Model):
    """Where copies of a declared item's data go: a country, or a provider region."""

    kind: FlowKind = FlowKind.REPLICATION
    country: CountryCode | None = None
    region: str | None = Field(default=None, description="A region of the item's provider")
    target: str | None = None


class DeclaredItem(Model):
    """Something no cloud API lists: a SaaS vendor, a carrier, equipment, an app or SDK."""

    name: str = Field(min_length=1)
    kind: DeclaredKind
    vendor: str | None = None
    country: CountryCode | None = None
    provider: Provider | None = None
    region: str | None = None
    classification: str | None = None
    records: int | None = Field(default=None, ge=0)
    owner: str | None = None
    description: str | None = None
    tags: dict[str, str] = Field(default_factory=dict)
    flows: tuple[DeclaredFlow, ...] = ()


class DeclaredInventory(Model):
    """A declared inventory file."""

    organization: str = "declared"
    items: tuple[DeclaredItem, ...] = ()


class PolicyEntry(Model):
    """Where data of one classification may (allowed) or must not (denied) be.

    Places are country codes (``DE``), jurisdictions (``EU``), provider regions
    (``aws:us-east-1``) or groups (``in:eu-locations``).
    """

    classification: str = Field(description="Data class to match, or '*' for any")
    allowed: tuple[str, ...] = ()
    denied: tuple[str, ...] = ()
    severity: Severity = Severity.HIGH
    description: str | None = None


class GroupDefinition(Model):
    """A new country group, or countries added to an existing one (``extend``)."""

    countries: tuple[CountryCode, ...] = ()
    extend: tuple[CountryCode, ...] = ()
    description: str | None = None


class ResidencyPolicy(Model):
    """An organization's own residency policy (``--policy FILE``)."""

    name: str = "organization residency policy"
    groups: dict[str, GroupDefinition] = Field(default_factory=dict)
    rules: tuple[PolicyEntry, ...] = ()
    parameters: dict[str, dict[str, Scalar | list[Scalar]]] = Field(
        default_factory=dict, description="Rule id → parameter name → value"
    )


for _model in (AllOf, AnyOf, Not, FlowQuery, FlowsMatch, Escalation, Rule, RulePack, Asset):
    _model.model_rebuild()
