"""Static evaluation of the Terraform expressions that decide where things are.

Only what can be known without running Terraform: literals, ``var.*`` (defaults, tfvars
files, module inputs), ``local.*`` and interpolations of those. Anything else (a data
source, a function call, a remote module output) stays unresolved, and the caller records
which expression decided that.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

_WHOLE = re.compile(r"^\$\{([^{}]+)\}$")
_PART = re.compile(r"\$\{([^{}]+)\}")
_REFERENCE = re.compile(r"^(var|local)\.([A-Za-z_][A-Za-z0-9_-]*)$")


class Unresolved(Exception):
    """The expression cannot be known statically; ``expression`` says which one."""

    def __init__(self, expression: str, why: str) -> None:
        super().__init__(f"{expression}: {why}")
        self.expression = expression
        self.why = why


@dataclass
class Scope:
    """Variables and locals of one module instance."""

    variables: dict[str, Any] = field(default_factory=dict)
    locals: dict[str, Any] = field(default_factory=dict)
    _resolving: set[str] = field(default_factory=set)

    def value(self, expression: Any) -> Any:
        """The value of an expression, or raise :class:`Unresolved`."""
        if not isinstance(expression, str):
            return expression
        whole = _WHOLE.match(expression)
        if whole:
            return self._reference(whole.group(1).strip(), expression)
        if "${" not in expression:
            return expression
        return _PART.sub(lambda m: str(self._reference(m.group(1).strip(), expression)), expression)

    def text(self, expression: Any) -> str | None:
        """A string value, or None when it cannot be resolved."""
        try:
            value = self.value(expression)
        except Unresolved:
            return None
        return value if isinstance(value, str) else None

    def _reference(self, reference: str, expression: str) -> Any:
        match = _REFERENCE.match(reference)
        if not match:
            raise Unresolved(expression, f"{reference} cannot be known without running Terraform")
        kind, name = match.groups()
        table = self.variables if kind == "var" else self.locals
        if name not in table:
            why = "the variable has no value" if kind == "var" else "no such local"
            raise Unresolved(expression, f"{kind}.{name}: {why}")
        key = f"{kind}.{name}"
        if key in self._resolving:
            raise Unresolved(expression, f"{key} refers to itself")
        self._resolving.add(key)
        try:
            return self.value(table[name])
        finally:
            self._resolving.discard(key)


def references(expression: Any) -> list[str]:
    """Resource addresses in an expression: ``${aws_s3_bucket.dr.arn}`` → aws_s3_bucket.dr."""
    if not isinstance(expression, str):
        return []
    found = []
    for inner in _PART.findall(expression):
        parts = inner.strip().split(".")
        if len(parts) >= 2 and parts[0] not in ("var", "local", "module", "data", "each", "count"):
            found.append(f"{parts[0]}.{parts[1]}")
    return found
