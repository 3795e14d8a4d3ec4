"""The blocks a Terraform expression refers to, found on the same tree the evaluator
walks: only through the branch taken when a condition is known, through both (marked
possible, with the condition written out) when it is not.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from assessor.probes.terraform.evaluate import (
    NOT_BLOCKS,
    Evaluation,
    Resolver,
    Unknown,
    Unresolved,
)
from assessor.probes.terraform.functions import truthy
from assessor.probes.terraform.syntax import (
    Attribute,
    Call,
    Conditional,
    For,
    Index,
    Literal,
    Name,
    Node,
    ObjectOf,
    Operation,
    Splat,
    SyntaxProblem,
    Template,
    TupleOf,
    parse,
)


@dataclass(frozen=True)
class Reference:
    """A block an expression points at: ``aws_s3_bucket.b`` (with its instance key, when
    written, as ``aws_s3_bucket.b["k"]``), ``possible`` when only an unknown condition's
    branch points there."""

    address: str
    possible: bool = False
    condition: str | None = None
    # The address names the module too (a plan's), rather than being relative to the
    # module of the expression.
    absolute: bool = False


def references(text: Any, resolve: Resolver) -> list[Reference]:
    """The resource blocks an argument refers to, in the order written."""
    if not isinstance(text, str):
        return []
    try:
        node = parse(text)
    except SyntaxProblem:
        return []
    return list(_Finder(resolve, text).walk(node, frozenset(), None))


class _Finder:
    def __init__(self, resolve: Resolver, text: str) -> None:
        self.evaluation = Evaluation(resolve, text)

    def walk(self, node: Node, bound: frozenset[str], condition: str | None) -> Iterator[Reference]:
        if isinstance(node, Name | Attribute | Index):
            found = self.address(node, bound)
            if found is not None:
                yield Reference(found, condition is not None, condition)
                return
        if isinstance(node, Conditional):
            yield from self.walk(node.condition, bound, condition)
            try:
                decided = self.evaluation.value(node.condition, {})
                taken = (
                    None if isinstance(decided, Unknown) else truthy(decided, self.evaluation.fail)
                )
            except Unresolved:
                taken = None
            if taken is None:
                why = condition or f"only if {written(node.condition)} (not known before apply)"
                yield from self.walk(node.yes, bound, why)
                yield from self.walk(node.no, bound, why)
                return
            yield from self.walk(node.yes if taken else node.no, bound, condition)
            return
        if isinstance(node, For):
            yield from self.walk(node.collection, bound, condition)
            inner = bound | {node.value_name} | ({node.key_name} if node.key_name else set())
            for part in (node.key, node.value, node.condition):
                if part is not None:
                    yield from self.walk(part, inner, condition)
            return
        if isinstance(node, Splat):
            yield from self.walk(node.source, bound, condition)
            yield from self.walk(node.each, bound | {"*"}, condition)
            return
        for child in _children(node):
            yield from self.walk(child, bound, condition)

    def address(self, node: Node, bound: frozenset[str]) -> str | None:
        """``TYPE.NAME`` (with an instance key that can be known) at the root of a
        traversal; None for variables, locals and the like."""
        chain: list[Node] = []
        while isinstance(node, Attribute | Index):
            chain.append(node)
            node = node.target
        if not isinstance(node, Name) or node.name in bound or node.name in NOT_BLOCKS:
            return None
        if "_" not in node.name or not chain:
            return None
        chain.reverse()
        first = chain[0]
        if not isinstance(first, Attribute):
            return None
        address = f"{node.name}.{first.name}"
        if len(chain) > 1 and isinstance(chain[1], Index):
            try:
                key = self.evaluation.value(chain[1].key, {})
            except Unresolved:
                return address
            if isinstance(key, Unknown):
                return address
            if isinstance(key, str):
                return f'{address}["{key}"]'
            if isinstance(key, int) and not isinstance(key, bool):
                return f"{address}[{key}]"
        return address


def _children(node: Node) -> Iterator[Node]:
    if isinstance(node, Template):
        yield from (part for part in node.parts if isinstance(part, Node))
    elif isinstance(node, Attribute | Index):
        yield node.target
        if isinstance(node, Index):
            yield node.key
    elif isinstance(node, Operation):
        if node.left is not None:
            yield node.left
        yield node.right
    elif isinstance(node, Call):
        yield from node.arguments
    elif isinstance(node, TupleOf):
        yield from node.items
    elif isinstance(node, ObjectOf):
        for key, value in node.items:
            yield key
            yield value


def written(node: Node) -> str:
    """The expression as it would be written (for evidence: "only if var.enabled")."""
    if isinstance(node, Literal):
        return "null" if node.value is None else _literal(node.value)
    if isinstance(node, Name):
        return node.name
    if isinstance(node, Attribute):
        return f"{written(node.target)}.{node.name}"
    if isinstance(node, Index):
        return f"{written(node.target)}[{written(node.key)}]"
    if isinstance(node, Operation):
        if node.left is None:
            return ("-" if node.operator == "neg" else "!") + written(node.right)
        return f"{written(node.left)} {node.operator} {written(node.right)}"
    if isinstance(node, Call):
        return f"{node.function}({', '.join(map(written, node.arguments))})"
    if isinstance(node, Template):
        inner = "".join(p if isinstance(p, str) else "${" + written(p) + "}" for p in node.parts)
        return f'"{inner}"'
    if isinstance(node, Conditional):
        return f"{written(node.condition)} ? {written(node.yes)} : {written(node.no)}"
    return "…"


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return f'"{value}"' if isinstance(value, str) else str(value)
