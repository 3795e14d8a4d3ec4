"""Static evaluation of the Terraform expressions that decide where things are.

What can be known without running Terraform: literals, ``var.*`` (defaults, tfvars files,
module inputs), ``local.*``, ``each.*`` and ``count.index`` of a known ``for_each``/``count``,
arguments written in other resources' and data sources' configuration
(``azurerm_resource_group.rg.location``), child modules' outputs, conditionals and the
functions of :mod:`expressions`. Anything else (an attribute known only after apply, a
remote module output) stays unresolved, and the caller records which expression decided
that.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from assessor.probes.terraform.evaluate import Missing, Path, Unknown, Unresolved, evaluate
from assessor.probes.terraform.references import Reference, references

__all__ = ["Reference", "Scope", "Unresolved", "Values"]


class Values(Protocol):
    """What the asset builder and flow extractors ask of a resource's arguments: a
    :class:`Scope` for ``.tf`` files, literal values for a plan."""

    def raw(self, expression: Any) -> Any: ...

    def value(self, expression: Any) -> Any: ...

    def identity(self, expression: Any) -> str | None: ...

    def text(self, expression: Any) -> str | None: ...

    def references(self, expression: Any) -> list[Reference]: ...


# Looks up what is outside one module's variables and locals: another block's argument
# (("aws_s3_bucket", "b", "region"), ("data", "t", "n", "arg")) or a module output
# (("module", "name", "output")). Raises Unresolved when it cannot be known.
World = Callable[[tuple[str | int, ...], "Scope"], Any]


@dataclass
class Scope:
    """Variables and locals of one module instance, and the instance keys of one resource."""

    variables: dict[str, Any] = field(default_factory=dict)
    locals: dict[str, Any] = field(default_factory=dict)
    each: tuple[Any, Any] | None = None  # (key, value) of a for_each instance
    count: int | None = None
    world: World | None = None
    _resolving: set[str] = field(default_factory=set)

    def instance(self, each: tuple[Any, Any] | None = None, count: int | None = None) -> Scope:
        return replace(self, each=each, count=count, _resolving=set())

    def raw(self, expression: Any, bound: dict[str, Any] | None = None) -> Any:
        """The value of an expression (strings evaluated, collections element by element),
        with what cannot be known as :class:`Unknown`; raises :class:`Unresolved` only for
        an expression that is wrong (a missing key, a type error)."""
        if isinstance(expression, str):
            return evaluate(expression, self._resolve, bound)
        if isinstance(expression, dict):
            return {key: self.raw(item, bound) for key, item in expression.items()}
        if isinstance(expression, list):
            return [self.raw(item, bound) for item in expression]
        return expression

    def value(self, expression: Any) -> Any:
        """The value of an expression, or raise :class:`Unresolved` when it is unknown
        (collections may still hold unknown elements)."""
        found = self.raw(expression)
        if isinstance(found, Unknown):
            shown = expression if isinstance(expression, str) else repr(expression)
            raise Unresolved(shown[:80], found.why)
        return found

    def text(self, expression: Any) -> str | None:
        """A string value, or None when it cannot be resolved or is null."""
        try:
            value = self.raw(expression)
        except Unresolved:
            return None
        return value if isinstance(value, str) else None

    def identity(self, expression: Any) -> str | None:
        """A string as far as it is known: its value, or its symbol when parts are unknown
        (``replica-${random_pet.this.id}``), to match two strings built alike."""
        try:
            value = self.raw(expression)
        except Unresolved:
            return None
        if isinstance(value, Unknown):
            return value.symbol
        return value if isinstance(value, str) else None

    def references(self, expression: Any) -> list[Reference]:
        """The blocks an expression refers to, through the branches it takes (see
        :func:`evaluate.references`); inside a list or map, every element's."""
        if isinstance(expression, dict):
            return [found for item in expression.values() for found in self.references(item)]
        if isinstance(expression, list):
            return [found for item in expression for found in self.references(item)]
        return references(expression, self._resolve)

    def _resolve(self, parts: Path) -> Any:
        head, rest = parts[0], parts[1:]
        shown = ".".join(str(part) for part in parts)
        if head in ("var", "local") and rest:
            return _walk(self._named(str(head), str(rest[0]), shown), rest[1:], shown)
        if head == "each" and rest:
            if self.each is None:
                raise Unresolved(shown, "each is known only in a resource with a known for_each")
            if rest[0] == "key":
                return _walk(self.each[0], rest[1:], shown)
            if rest[0] == "value":
                return _walk(self.each[1], rest[1:], shown)
        if head == "count" and rest == ("index",):
            if self.count is None:
                raise Unresolved(shown, "count.index is known only with a known count")
            return self.count
        if head in ("path", "terraform", "self"):
            raise Unresolved(shown, f"{head}.* is not evaluated")
        if self.world is None or not rest:
            raise Unresolved(shown, f"{shown} cannot be known without running Terraform")
        return self.world(parts, self)

    def _named(self, kind: str, name: str, shown: str) -> Any:
        table = self.variables if kind == "var" else self.locals
        if name not in table:
            why = "the variable has no value" if kind == "var" else "no such local"
            raise Unresolved(shown, f"{kind}.{name}: {why}")
        key = f"{kind}.{name}"
        if key in self._resolving:
            raise Unresolved(shown, f"{key} refers to itself")
        self._resolving.add(key)
        try:
            return self.raw(table[name])
        finally:
            self._resolving.discard(key)


def _walk(value: Any, path: tuple[str | int, ...], shown: str) -> Any:
    for part in path:
        if isinstance(value, Unknown):
            return value
        if isinstance(value, dict) and str(part) in value:
            value = value[str(part)]
        elif isinstance(value, list) and isinstance(part, int) and -len(value) <= part < len(value):
            value = value[part]
        else:
            raise Missing(shown, f"no {part!r} in the value")
    return value
