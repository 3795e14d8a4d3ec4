"""Compiles typed conditions into predicates once, so evaluating an asset is only calls.

A predicate returns the evidence (field → value shown in the finding) when the condition
holds and ``None`` when it does not. Nothing in a rule file is ever run as Python.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable
from dataclasses import dataclass

from assessor.catalog import Catalog
from assessor.engine.fields import Context, Getter, Value, getter, known_fields
from assessor.models import (
    AllOf,
    AnyOf,
    Compare,
    CompareOp,
    Condition,
    FlowsMatch,
    subconditions,
)

Evidence = dict[str, str]
Predicate = Callable[[Context], Evidence | None]
Path = tuple[str | int, ...]

# A catalog group named in a rule or policy: `in:countries-of-concern`.
GROUP_PREFIX = "in:"
PARAM_PREFIX = "param:"
Params = dict[str, object]


@dataclass
class CompileError(Exception):
    """A condition that cannot work; ``path`` locates it inside the rule."""

    path: Path
    message: str


def compile_condition(
    condition: Condition,
    catalog: Catalog,
    path: Path = ("when",),
    in_flow: bool = False,
    params: Params | None = None,
) -> Predicate:
    """A rule's typed condition as a predicate on an asset (or, ``in_flow``, on one of its flows):
    evidence when it holds, None when not. ``path`` names where in the rule file a problem is."""
    params = params or {}
    if isinstance(condition, Compare):
        return _compare(condition, catalog, path, in_flow, params)
    if isinstance(condition, FlowsMatch) and in_flow:
        raise CompileError((*path, "flows"), "flows cannot be nested inside flows")
    inside_flow = in_flow or isinstance(condition, FlowsMatch)
    parts = [
        compile_condition(child, catalog, (*path, *where), inside_flow, params)
        for where, child in subconditions(condition)
    ]
    if isinstance(condition, AllOf):
        return _all(parts)
    if isinstance(condition, AnyOf):
        return _any(parts)
    if isinstance(condition, FlowsMatch):
        return _flows(parts[0], frozenset(condition.flows.kinds))
    inner = parts[0]  # Not
    return lambda context: {} if inner(context) is None else None


def _all(parts: list[Predicate]) -> Predicate:
    def check(context: Context) -> Evidence | None:
        evidence: Evidence = {}
        for part in parts:
            found = part(context)
            if found is None:
                return None
            evidence.update(found)
        return evidence

    return check


def _any(parts: list[Predicate]) -> Predicate:
    def check(context: Context) -> Evidence | None:
        evidence: Evidence | None = None
        for part in parts:
            found = part(context)
            if found is not None:
                evidence = {**(evidence or {}), **found}
        return evidence

    return check


def _flows(where: Predicate, kinds: frozenset[object]) -> Predicate:
    def check(context: Context) -> Evidence | None:
        matched = []
        for flow in context.asset.flows:
            if kinds and flow.kind not in kinds:
                continue
            if where(Context(context.asset, context.catalog, flow)) is not None:
                target = flow.target_location
                place = target.country if target and target.country else "unknown location"
                label = flow.target_id or flow.target_region or "?"
                region = flow.target_region or "region unknown"
                matched.append(f"{flow.kind.value} to {label} ({region}, {place})")
        return {"flows": "; ".join(sorted(matched))} if matched else None

    return check


def _compare(
    condition: Compare, catalog: Catalog, path: Path, in_flow: bool, params: Params
) -> Predicate:
    read = getter(condition.field, in_flow)
    if read is None:
        names = ", ".join(known_fields(in_flow))
        raise CompileError((*path, "field"), f"unknown field {condition.field!r}; known: {names}")
    value = _resolve_value(condition, catalog, path, params)
    test = _operator(condition.op, value, path)
    label = condition.field

    def check(context: Context) -> Evidence | None:
        actual = read(context)
        return {label: _show(actual)} if test(actual) else None

    return check


def _resolve_value(condition: Compare, catalog: Catalog, path: Path, params: Params) -> object:
    """Substitute ``param:NAME`` and ``in:GROUP``; check the operand fits the operator."""
    value: object = condition.value
    if isinstance(value, str) and value.startswith(PARAM_PREFIX):
        name = value[len(PARAM_PREFIX) :]
        if name not in params:
            declared = ", ".join(sorted(params)) or "none"
            raise CompileError(
                (*path, "value"), f"unknown parameter {name!r} (declared: {declared})"
            )
        value = params[name]
    op = condition.op
    if op in (CompareOp.IN, CompareOp.NOT_IN, CompareOp.INTERSECTS, CompareOp.SUBSET_OF):
        items = [value] if isinstance(value, str) and value.startswith(GROUP_PREFIX) else value
        if not isinstance(items, list):
            raise CompileError((*path, "value"), f"{op.value} needs a list or an in:GROUP name")
        return frozenset(member for item in items for member in _expand(item, catalog, path))
    if isinstance(value, str) and value.startswith(GROUP_PREFIX):
        raise CompileError((*path, "value"), "a group needs in, not_in, intersects or subset_of")
    if op is CompareOp.REGEX:
        try:
            return re.compile(str(value))
        except re.error as error:
            raise CompileError((*path, "value"), f"invalid regular expression: {error}") from None
    if op in (CompareOp.GT, CompareOp.GTE, CompareOp.LT, CompareOp.LTE) and (
        isinstance(value, bool) or not isinstance(value, int | float)
    ):
        raise CompileError((*path, "value"), f"{op.value} needs a number")
    if op is CompareOp.EXISTS and not isinstance(value, bool | None):
        raise CompileError((*path, "value"), "exists takes true, false or nothing")
    return value


def _expand(item: object, catalog: Catalog, path: Path) -> frozenset[object]:
    if isinstance(item, str) and item.startswith(GROUP_PREFIX):
        try:
            return frozenset(catalog.group(item[len(GROUP_PREFIX) :]).countries)
        except KeyError as error:
            raise CompileError((*path, "value"), str(error.args[0])) from None
    return frozenset([item])


def _operator(op: CompareOp, value: object, path: Path) -> Callable[[Value], bool]:
    if op is CompareOp.EQ:
        return lambda actual: actual == value
    if op is CompareOp.NE:
        return lambda actual: actual != value
    if op is CompareOp.EXISTS:
        wanted = value is not False
        return lambda actual: (actual not in (None, "", ())) == wanted
    members = value if isinstance(value, frozenset) else frozenset()
    if op is CompareOp.IN:
        return lambda actual: actual in members
    if op is CompareOp.NOT_IN:
        return lambda actual: actual is not None and actual not in members
    if op is CompareOp.INTERSECTS:
        return lambda actual: _as_set(actual).isdisjoint(members) is False
    if op is CompareOp.SUBSET_OF:
        # Nothing is "within" a set when it has no value: an unknown location is not in the EU.
        return lambda actual: bool(_as_set(actual)) and _as_set(actual) <= members
    if op is CompareOp.GLOB:
        pattern = str(value)
        return lambda actual: actual is not None and fnmatch.fnmatchcase(str(actual), pattern)
    if op is CompareOp.REGEX:
        assert isinstance(value, re.Pattern)
        return lambda actual: actual is not None and value.search(str(actual)) is not None
    number = float(value) if isinstance(value, int | float) else 0.0
    comparisons: dict[CompareOp, Callable[[float, float], bool]] = {
        CompareOp.GT: lambda a, b: a > b,
        CompareOp.GTE: lambda a, b: a >= b,
        CompareOp.LT: lambda a, b: a < b,
        CompareOp.LTE: lambda a, b: a <= b,
    }
    compare = comparisons[op]
    return lambda actual: _number(actual) is not None and compare(_number(actual) or 0.0, number)


def _as_set(actual: Value) -> frozenset[object]:
    if isinstance(actual, tuple):
        return frozenset(actual)
    return frozenset() if actual is None else frozenset([actual])


def _number(actual: Value) -> float | None:
    if isinstance(actual, bool) or actual is None or isinstance(actual, tuple):
        return None
    try:
        return float(actual)
    except ValueError:
        return None


def _show(actual: Value) -> str:
    if isinstance(actual, tuple):
        return ", ".join(actual)
    return "" if actual is None else str(actual)


__all__ = ["CompileError", "Evidence", "Getter", "Params", "Predicate", "compile_condition"]
