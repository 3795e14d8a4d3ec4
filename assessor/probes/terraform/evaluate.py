"""Evaluating a Terraform expression tree, and finding the blocks it refers to.

What can be known without running Terraform is evaluated: literals, templates, references
(through a resolver the caller supplies: ``var``, ``local``, ``each``, ``count``, resources,
data sources and module outputs), conditionals (only the branch taken, as Terraform does),
operators, ``for`` expressions, splats and the functions real code uses for names and
regions. ``null`` is Python's ``None``: the caller treats an argument whose value is null as
unset, as Terraform does. Anything else raises :class:`Unresolved` naming why, so a location
is never guessed.

:func:`references` walks the same tree: the blocks an expression points at, only through the
branch taken when a condition is known, through both (marked possible) when it is not.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from assessor.probes.terraform.functions import FUNCTIONS, as_text, number, truthy
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


class Unresolved(Exception):
    """The expression cannot be known statically; ``expression`` says which one. ``block``
    names the resource (module path and address) whose unwritten attribute it needed."""

    def __init__(self, expression: str, why: str, block: str | None = None) -> None:
        super().__init__(f"{expression}: {why}")
        self.expression = expression
        self.why = why
        self.block = block


class Missing(Unresolved):
    """A known value has no such key or index: an error, as in Terraform (``try()``
    moves on past it), not an unknown."""


@dataclass(frozen=True)
class Unknown:
    """A value known only after apply, as Terraform's own unknown values: it flows through
    collections, variables and module inputs, and only the argument that needs it is
    unknown. ``symbol`` is a string built around unknown parts
    (``replica-${random_pet.this.id}``), so two strings built alike can be matched;
    ``blocks`` are the resources (module path and address) it comes from."""

    why: str
    symbol: str | None = None
    blocks: tuple[str, ...] = ()


Path = tuple[str | int, ...]
# Answers a traversal that starts outside the expression: ("var", "region"),
# ("aws_s3_bucket", "b", "arn"). Raises Unresolved when it cannot be known.
Resolver = Callable[[Path], Any]
# Names a ``root`` of a traversal as a block address, or None (var, local, each, ...).
NOT_BLOCKS = frozenset(
    {"var", "local", "module", "data", "each", "count", "path", "terraform", "self"}
)
# Functions that only rearrange collections: unknown elements pass through them.
_STRUCTURAL = frozenset(
    {
        "keys",
        "length",
        "merge",
        "concat",
        "flatten",
        "tolist",
        "toset",
        "tomap",
        "values",
        "lookup",
        "element",
        "one",
        "zipmap",
        "distinct",
        "compact",
        "slice",
        "reverse",
        "coalescelist",
    }
)


def tree(text: str) -> Node:
    """The parsed tree of an argument's text; a text that does not parse is unresolved."""
    try:
        return parse(text)
    except SyntaxProblem as problem:
        raise Unresolved(_shown(text), problem.why) from None


def evaluate(text: str, resolve: Resolver, bound: Mapping[str, Any] | None = None) -> Any:
    """The value of an argument's text as python-hcl2 serializes it: a plain value, or an
    :class:`Unknown` (also inside collections). ``bound`` names values the text may use
    (a dynamic block's iterator)."""
    return Evaluation(resolve, text).value(tree(text), bound or {})


def unknown_in(value: Any) -> Unknown | None:
    """The first unknown anywhere in a value."""
    if isinstance(value, Unknown):
        return value
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        for item in value:
            found = unknown_in(item)
            if found is not None:
                return found
    return None


def _shown(text: str) -> str:
    return text if len(text) <= 80 else text[:80] + "…"


def _merged(unknowns: list[Unknown], symbol: str | None = None) -> Unknown:
    blocks = tuple(dict.fromkeys(block for unknown in unknowns for block in unknown.blocks))
    return Unknown(unknowns[0].why, symbol, blocks)


# --- values -------------------------------------------------------------------------------


class Evaluation:
    def __init__(self, resolve: Resolver, text: str) -> None:
        self.resolve = resolve
        self.text = text

    def fail(self, why: str) -> Unresolved:
        return Unresolved(_shown(self.text), why)

    def value(self, node: Node, bound: Mapping[str, Any]) -> Any:
        if isinstance(node, Literal):
            return node.value
        if isinstance(node, Template):
            return self.template(node, bound)
        if isinstance(node, Name | Attribute | Index):
            return self.traversal(node, bound)
        if isinstance(node, Conditional):
            condition = self.value(node.condition, bound)
            if isinstance(condition, Unknown):
                return condition
            taken = node.yes if truthy(condition, self.fail) else node.no
            return self.value(taken, bound)
        if isinstance(node, Operation):
            return self.operation(node, bound)
        if isinstance(node, Call):
            return self.call(node, bound)
        if isinstance(node, TupleOf):
            return [self.value(item, bound) for item in node.items]
        if isinstance(node, ObjectOf):
            result = {}
            for key, item in node.items:
                name = self.value(key, bound)
                if isinstance(name, Unknown):
                    return name
                result[as_text(name, self.fail)] = self.value(item, bound)
            return result
        if isinstance(node, Splat):
            source = self.value(node.source, bound)
            if source is None:
                return []
            if isinstance(source, Unknown):
                return source
            items = source if isinstance(source, list) else [source]
            return [self.value(node.each, {**bound, "*": item}) for item in items]
        if isinstance(node, For):
            return self.for_expression(node, bound)
        raise self.fail(f"cannot evaluate {type(node).__name__}")

    def template(self, node: Template, bound: Mapping[str, Any]) -> Any:
        texts: list[str] = []
        unknowns: list[Unknown] = []
        for part in node.parts:
            value = part if isinstance(part, str) else self.value(part, bound)
            if isinstance(value, Unknown):
                unknowns.append(value)
                texts.append(value.symbol or "${?}")
            else:
                texts.append(as_text(value, self.fail))
        text = "".join(texts)
        return _merged(unknowns, text) if unknowns else text

    def traversal(self, node: Node, bound: Mapping[str, Any]) -> Any:
        steps: list[str | int] = []
        while isinstance(node, Attribute | Index):
            if isinstance(node, Attribute):
                steps.append(node.name)
            else:
                key = self.value(node.key, bound)
                if isinstance(key, Unknown):
                    return key
                if not isinstance(key, str | int) or isinstance(key, bool):
                    raise self.fail(f"an index that is not a key: {key!r}")
                steps.append(key)
            node = node.target
        steps.reverse()
        if isinstance(node, Name):
            if node.name in bound:
                return _dig(bound[node.name], steps, self.fail)
            path = (node.name, *steps)
            try:
                return self.resolve(path)
            except Missing as error:
                raise self.fail(error.why) from None
            except Unresolved as error:
                symbol = "${" + ".".join(str(step) for step in path) + "}"
                return Unknown(error.why, symbol, (error.block,) if error.block else ())
        return _dig(self.value(node, bound), steps, self.fail)

    def operation(self, node: Operation, bound: Mapping[str, Any]) -> Any:
        right = self.value(node.right, bound)
        if isinstance(right, Unknown):
            return right
        if node.operator == "!":
            return not truthy(right, self.fail)
        if node.operator == "neg":
            if not isinstance(right, int | float) or isinstance(right, bool):
                raise self.fail("negating a value that is not a number")
            return -right
        assert node.left is not None
        left = self.value(node.left, bound)
        if isinstance(left, Unknown):
            return left
        return _apply(node.operator, left, right, self.fail)

    def call(self, node: Call, bound: Mapping[str, Any]) -> Any:
        if node.function in ("try", "can"):
            for argument in node.arguments:
                try:
                    found = self.value(argument, bound)
                except Unresolved:
                    if node.function == "can":
                        return False
                    continue
                if isinstance(found, Unknown):
                    return found  # as Terraform: try() cannot decide on an unknown
                return True if node.function == "can" else found
            raise self.fail("no argument of try() can be known")
        function = FUNCTIONS.get(node.function)
        if function is None:
            raise self.fail(f"{node.function}() cannot be known without running Terraform")
        arguments = [self.value(argument, bound) for argument in node.arguments]
        if node.expand_last:
            if arguments and isinstance(arguments[-1], Unknown):
                return arguments[-1]
            if not arguments or not isinstance(arguments[-1], list):
                raise self.fail(f"{node.function}(...): expanding a value that is not a list")
            arguments = [*arguments[:-1], *arguments[-1]]
        unknowns = [a for a in arguments if isinstance(a, Unknown)]
        if not unknowns and node.function not in _STRUCTURAL:
            unknowns = [u for u in map(unknown_in, arguments) if u is not None]
        if unknowns:
            return _merged(unknowns)
        try:
            return function(*arguments)
        except (TypeError, ValueError, KeyError, IndexError, AttributeError) as error:
            raise self.fail(f"{node.function}(): {error}") from None

    def for_expression(self, node: For, bound: Mapping[str, Any]) -> Any:
        collection = self.value(node.collection, bound)
        if isinstance(collection, Unknown):
            return collection
        if isinstance(collection, dict):
            pairs = [(key, collection[key]) for key in sorted(collection)]
        elif isinstance(collection, list):
            pairs = list(enumerate(collection))
        else:
            raise self.fail("a for expression over a value that is not a collection")
        items: list[Any] = []
        mapping: dict[str, Any] = {}
        for key, item in pairs:
            inner = {**bound, node.value_name: item}
            if node.key_name:
                inner[node.key_name] = key
            if node.condition is not None:
                keep = self.value(node.condition, inner)
                if isinstance(keep, Unknown):
                    return keep
                if not truthy(keep, self.fail):
                    continue
            if node.key is None:
                items.append(self.value(node.value, inner))
                continue
            name = self.value(node.key, inner)
            if isinstance(name, Unknown):
                return name
            name = as_text(name, self.fail)
            value = self.value(node.value, inner)
            if node.grouping:
                mapping.setdefault(name, []).append(value)
            elif name in mapping:
                raise self.fail(f"a for expression gives the key {name!r} twice")
            else:
                mapping[name] = value
        return items if node.key is None else mapping


def _dig(value: Any, steps: list[str | int], fail: Callable[[str], Unresolved]) -> Any:
    for step in steps:
        if isinstance(value, Unknown):
            return value
        if isinstance(value, dict) and str(step) in value:
            value = value[str(step)]
        elif isinstance(value, list) and isinstance(step, int) and -len(value) <= step < len(value):
            value = value[step]
        elif isinstance(value, list) and isinstance(step, str) and step.isdigit():
            value = _dig(value, [int(step)], fail)
        else:
            raise fail(f"no {step!r} in the value")
    return value


def _apply(op: str, left: Any, right: Any, fail: Callable[[str], Unresolved]) -> Any:
    if op == "==":
        return left == right
    if op == "!=":
        return left != right
    if op == "&&":
        return truthy(left, fail) and truthy(right, fail)
    if op == "||":
        return truthy(left, fail) or truthy(right, fail)
    left, right = number(left), number(right)
    if isinstance(left, bool) or isinstance(right, bool):
        raise fail(f"{op} needs numbers")
    if not (isinstance(left, int | float) and isinstance(right, int | float)):
        raise fail(f"{op} needs numbers")
    operations: dict[str, Callable[[Any, Any], Any]] = {
        "<": lambda a, b: a < b,
        ">": lambda a, b: a > b,
        "<=": lambda a, b: a <= b,
        ">=": lambda a, b: a >= b,
        "+": lambda a, b: a + b,
        "-": lambda a, b: a - b,
        "*": lambda a, b: a * b,
        "/": lambda a, b: a / b,
        "%": lambda a, b: a % b,
    }
    try:
        return operations[op](left, right)
    except ZeroDivisionError:
        raise fail("division by zero") from None
