"""Rule packs and the condition language, and the organization's residency policy file."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import ConfigDict, Discriminator, Field, Tag

from assessor.models.base import CountryCode, Fact, Model, Provider, Severity, SourceRef
from assessor.models.inventory import FlowKind


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


def subconditions(condition: Condition) -> tuple[tuple[tuple[str | int, ...], Condition], ...]:
    """A condition's direct children, each with its path inside the parent (``("all", 0)``):
    the one place that knows the shape of the condition tree."""
    if isinstance(condition, AllOf):
        return tuple((("all", i), child) for i, child in enumerate(condition.all))
    if isinstance(condition, AnyOf):
        return tuple((("any", i), child) for i, child in enumerate(condition.any))
    if isinstance(condition, Not):
        return ((("not",), condition.not_),)
    if isinstance(condition, FlowsMatch):
        return ((("flows", "where"), condition.flows.where),)
    return ()


def comparisons(condition: Condition) -> list[Compare]:
    """Every comparison (leaf) under a condition, in document order."""
    if isinstance(condition, Compare):
        return [condition]
    return [leaf for _, child in subconditions(condition) for leaf in comparisons(child)]


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


class Lowering(Model):
    """Lower a finding's severity one step when an extra condition holds (weaker evidence:
    a dependency only pulled in by another, or only used to build and test)."""

    when: Condition
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
    fact: Fact = Field(description="The fact about an asset this rule judges (its risk)")
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
    lower: tuple[Lowering, ...] = ()
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


class PolicyEntry(Model):
    """Where data of one classification may (allowed) or must not (denied) be.

    Places are country codes (``DE``), jurisdictions (``EU``), provider regions
    (``aws:us-east-1``) or groups (``in:eu-locations``).
    """

    id: str | None = Field(
        default=None,
        pattern=r"^[A-Z]{2,6}-\d{3}$",
        description="The rule id to give this entry (default: derived from its name)",
    )
    name: str | None = Field(
        default=None,
        pattern=r"^[a-z0-9][a-z0-9-]*$",
        description="A stable key for the entry (default: its classification)",
    )
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


for _model in (AllOf, AnyOf, Not, FlowQuery, FlowsMatch, Escalation, Rule, RulePack):
    _model.model_rebuild()
