"""A small evaluator for the Terraform expressions that decide where things are.

python-hcl2 hands expressions back as text (``${lookup(var.regions, "eu")}``); this parses
that text and evaluates what can be known without running Terraform: literals, references
(through a resolver the caller supplies: ``var``, ``local``, ``each``, ``count``, resources,
data sources and module outputs), conditionals, comparisons and the functions real code uses
for names and regions. Anything else raises :class:`Unresolved` naming the expression, so a
location is never guessed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


class Unresolved(Exception):
    """The expression cannot be known statically; ``expression`` says which one."""

    def __init__(self, expression: str, why: str) -> None:
        super().__init__(f"{expression}: {why}")
        self.expression = expression
        self.why = why


_TOKEN = re.compile(
    r"""\s*(?:
        (?P<number>\d+(?:\.\d+)?)
      | (?P<name>[A-Za-z_][A-Za-z0-9_-]*)
      | (?P<string>")
      | (?P<op>==|!=|<=|>=|&&|\|\||=>|\.\.\.|[-+*/%<>!?:.,\[\](){}=])
    )""",
    re.VERBOSE,
)
MAX_LENGTH = 10_000  # an expression longer than this is not one that decides a region


@dataclass(frozen=True)
class Ref:
    """A traversal: ``aws_s3_bucket.b.region`` → ("aws_s3_bucket", "b", "region")."""

    parts: tuple[str | int, ...]


Resolver = Callable[[Ref], Any]


def template(text: str, resolve: Resolver) -> Any:
    """Evaluate a string as Terraform would: ``${...}`` alone keeps the value's type; text
    with interpolations becomes a string."""
    if "${" not in text:
        return text
    parts, position, whole = [], 0, None
    while True:
        start = text.find("${", position)
        if start < 0:
            parts.append(text[position:])
            break
        parts.append(text[position:start])
        end = _closing(text, start + 2)
        value = evaluate(text[start + 2 : end], resolve, text)
        if start == 0 and end == len(text) - 1:
            whole = value
        parts.append(value)
        position = end + 1
    if whole is not None or (len(parts) == 3 and parts[0] == "" and parts[2] == ""):
        return parts[1]
    return "".join(_as_text(part, text) for part in parts)


def _closing(text: str, start: int) -> int:
    depth, index, quoted = 1, start, False
    while index < len(text):
        char = text[index]
        if quoted:
            if char == "\\":
                index += 1
            elif char == '"':
                quoted = False
        elif char == '"':
            quoted = True
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return index
        index += 1
    raise Unresolved(text, "an unterminated interpolation")


def evaluate(source: str, resolve: Resolver, whole: str | None = None) -> Any:
    if len(source) > MAX_LENGTH:
        raise Unresolved(source[:80] + "…", "too long to evaluate")
    parser = _Parser(source, resolve, whole or source)
    value = parser.expression()
    parser.expect_end()
    return value


def _as_text(value: Any, expression: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    raise Unresolved(expression, "a collection inside a string")


class _Parser:
    """Recursive descent over the token stream, evaluating as it goes (precedence, lowest
    first: conditional, ||, &&, ==/!=, comparisons, +/-, *,/,%, unary, postfix)."""

    def __init__(self, source: str, resolve: Resolver, expression: str) -> None:
        self.source = source
        self.position = 0
        self.resolve = resolve
        self.expression_text = expression

    # --- tokens -----------------------------------------------------------------------

    def fail(self, why: str) -> Unresolved:
        return Unresolved(self.expression_text, why)

    def peek(self) -> tuple[str, str] | None:
        match = _TOKEN.match(self.source, self.position)
        if match is None or (match.end() == self.position and self.position >= len(self.source)):
            return None
        if match.lastgroup is None:
            return None
        return match.lastgroup, match.group(match.lastgroup)

    def take(self) -> tuple[str, str]:
        match = _TOKEN.match(self.source, self.position)
        if match is None or match.lastgroup is None:
            raise self.fail(f"cannot read {self.source[self.position : self.position + 20]!r}")
        self.position = match.end()
        return match.lastgroup, match.group(match.lastgroup)

    def accept(self, op: str) -> bool:
        token = self.peek()
        if token == ("op", op):
            self.take()
            return True
        return False

    def expect(self, op: str) -> None:
        if not self.accept(op):
            raise self.fail(f"expected {op!r}")

    def expect_end(self) -> None:
        if self.source[self.position :].strip():
            raise self.fail(f"cannot evaluate {self.source[self.position :].strip()[:40]!r}")

    # --- grammar ----------------------------------------------------------------------

    def expression(self) -> Any:
        condition = self.binary(0)
        if not self.accept("?"):
            return condition
        # Only the chosen branch is evaluated, as in Terraform: the other may be unknowable.
        yes = self._skip(stop_at_colon=True)
        self.expect(":")
        no = self._skip(stop_at_colon=False)
        end = self.position
        self.position = yes if _truthy(condition, self.fail) else no
        value = self.expression()
        self.position = end
        return value

    def _skip(self, stop_at_colon: bool) -> int:
        """Step over one expression without evaluating it; returns where it starts."""
        start = self.position
        depth = 0
        while self.position < len(self.source) and self.source[self.position :].strip():
            kind, text = self.peek() or ("op", "")
            if kind == "op" and text in ("(", "[", "{"):
                depth += 1
            elif kind == "op" and text in (")", "]", "}"):
                if depth == 0:
                    break
                depth -= 1
            elif kind == "op" and depth == 0 and (text == "," or (text == ":" and stop_at_colon)):
                break
            self.take()
            if kind == "string":
                self._string_body(evaluate_parts=False)
        return start

    _LEVELS: tuple[tuple[str, ...], ...] = (
        ("||",),
        ("&&",),
        ("==", "!="),
        ("<", ">", "<=", ">="),
        ("+", "-"),
        ("*", "/", "%"),
    )

    def binary(self, level: int) -> Any:
        if level == len(self._LEVELS):
            return self.unary()
        left = self.binary(level + 1)
        while True:
            token = self.peek()
            if token is None or token[0] != "op" or token[1] not in self._LEVELS[level]:
                return left
            self.take()
            right = self.binary(level + 1)
            left = _apply(token[1], left, right, self.fail)

    def unary(self) -> Any:
        if self.accept("!"):
            return not _truthy(self.unary(), self.fail)
        if self.accept("-"):
            value = self.unary()
            if not isinstance(value, int | float):
                raise self.fail("negating a value that is not a number")
            return -value
        return self.postfix(self.primary())

    def primary(self) -> Any:
        kind, text = self.take()
        if kind == "number":
            return float(text) if "." in text else int(text)
        if kind == "string":
            return self._string_body(evaluate_parts=True)
        if kind == "op" and text == "(":
            value = self.expression()
            self.expect(")")
            return value
        if kind == "op" and text == "[":
            if self.peek() == ("name", "for"):
                raise self.fail("a for expression")
            items = []
            while not self.accept("]"):
                items.append(self.expression())
                if not self.accept(","):
                    self.expect("]")
                    break
            return items
        if kind == "op" and text == "{":
            if self.peek() == ("name", "for"):
                raise self.fail("a for expression")
            result: dict[str, Any] = {}
            while not self.accept("}"):
                key = self.expression() if self.peek() != ("name", self._name_ahead()) else None
                if key is None:
                    key = self.take()[1]
                if not (self.accept("=") or self.accept(":")):
                    raise self.fail("an object item without = or :")
                result[str(key)] = self.expression()
                self.accept(",")
            return result
        if kind == "name":
            if text in ("true", "false"):
                return text == "true"
            if text == "null":
                return None
            if self.accept("("):
                return self.call(text)
            return Ref((text,))
        raise self.fail(f"unexpected {text!r}")

    def _name_ahead(self) -> str:
        token = self.peek()
        return token[1] if token and token[0] == "name" else "\0"

    def _string_body(self, evaluate_parts: bool) -> Any:
        """The rest of a quoted string (its opening quote already taken)."""
        index, text = self.position, []
        while index < len(self.source):
            char = self.source[index]
            if char == "\\" and index + 1 < len(self.source):
                text.append(
                    {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}.get(
                        self.source[index + 1], self.source[index + 1]
                    )
                )
                index += 2
                continue
            if char == "$" and self.source.startswith("${", index):
                end = _closing(self.source, index + 2)
                text.append(self.source[index : end + 1])
                index = end + 1
                continue
            if char == '"':
                self.position = index + 1
                body = "".join(text)
                return template(body, self.resolve_value) if evaluate_parts else body
            text.append(char)
            index += 1
        raise self.fail("an unterminated string")

    def resolve_value(self, ref: Ref) -> Any:
        return self.resolve(ref)

    def postfix(self, value: Any) -> Any:
        while True:
            if self.accept("."):
                kind, name = self.take()
                if kind == "op" and name == "*":
                    raise self.fail("a splat expression")
                value = _index(value, int(name) if kind == "number" else name, self)
            elif self.peek() == ("op", "["):
                self.take()
                if self.accept("*"):
                    raise self.fail("a splat expression")
                key = self.expression()
                self.expect("]")
                value = _index(value, key, self)
            else:
                return self.materialize(value)

    def materialize(self, value: Any) -> Any:
        return self.resolve(value) if isinstance(value, Ref) else value

    def call(self, name: str) -> Any:
        function = FUNCTIONS.get(name)
        if name == "try":
            return self._try()
        arguments = []
        while not self.accept(")"):
            arguments.append(self.expression())
            if self.accept("..."):
                raise self.fail("expanding a list into arguments")
            if not self.accept(","):
                self.expect(")")
                break
        if function is None:
            raise self.fail(f"{name}() cannot be known without running Terraform")
        try:
            return function(*arguments)
        except (TypeError, ValueError, KeyError, IndexError) as error:
            raise self.fail(f"{name}(): {error}") from None

    def _try(self) -> Any:
        """``try(a, b)``: the first argument that can be evaluated."""
        found, chosen = False, None
        while not self.accept(")"):
            start = self.position
            try:
                value = self.expression()
                if not found:
                    found, chosen = True, value
            except Unresolved:
                self.position = start
                self._skip(stop_at_colon=False)
            if not self.accept(","):
                self.expect(")")
                break
        if not found:
            raise self.fail("no argument of try() can be known")
        return chosen


def _index(value: Any, key: Any, parser: _Parser) -> Any:
    if isinstance(value, Ref):
        return Ref((*value.parts, key))
    if isinstance(value, dict):
        if str(key) not in value:
            raise parser.fail(f"no key {key!r}")
        return value[str(key)]
    if isinstance(value, list) and isinstance(key, int):
        if not -len(value) <= key < len(value):
            raise parser.fail(f"index {key} out of range")
        return value[key]
    raise parser.fail(f"cannot index {type(value).__name__} with {key!r}")


def _truthy(value: Any, fail: Callable[[str], Unresolved]) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value in ("true", "false"):
        return value == "true"
    raise fail("a condition that is not a boolean")


def _apply(op: str, left: Any, right: Any, fail: Callable[[str], Unresolved]) -> Any:
    if op == "==":
        return left == right
    if op == "!=":
        return left != right
    if op == "&&":
        return _truthy(left, fail) and _truthy(right, fail)
    if op == "||":
        return _truthy(left, fail) or _truthy(right, fail)
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


def _format(spec: str, *values: Any) -> str:
    queue = list(values)

    def one(match: re.Match[str]) -> str:
        verb = match.group(1)
        if verb == "%":
            return "%"
        value = queue.pop(0)
        if verb == "q":
            return f'"{value}"'
        if verb == "d":
            return str(int(value))
        return str(value).lower() if isinstance(value, bool) else str(value)

    return re.sub(r"%[-+# 0-9.]*([sdvq%])", one, spec)


def _replace(text: str, old: str, new: str) -> str:
    if len(old) > 1 and old.startswith("/") and old.endswith("/"):
        return re.sub(old[1:-1], new.replace("$", "\\"), text)
    return text.replace(old, new)


def _lookup(mapping: dict[str, Any], key: str, *default: Any) -> Any:
    if key in mapping:
        return mapping[key]
    if default:
        return default[0]
    raise KeyError(key)


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "lookup": _lookup,
    "element": lambda items, index: items[int(index) % len(items)],
    "format": _format,
    "join": lambda separator, items: separator.join(str(item) for item in items),
    "split": lambda separator, text: text.split(separator),
    "coalesce": lambda *values: next(v for v in values if v not in (None, "")),
    "merge": lambda *maps: {k: v for m in maps for k, v in m.items()},
    "concat": lambda *lists: [item for items in lists for item in items],
    "lower": lambda text: text.lower(),
    "upper": lambda text: text.upper(),
    "replace": _replace,
    "substr": lambda text, offset, length: text[offset : None if length < 0 else offset + length],
    "tostring": lambda value: value if isinstance(value, str) else _as_text(value, "tostring"),
    "tomap": lambda value: dict(value),
    "toset": lambda values: sorted(set(values), key=str),
    "tolist": lambda values: list(values),
    "length": len,
    "keys": lambda mapping: sorted(mapping),
    "values": lambda mapping: [mapping[key] for key in sorted(mapping)],
    "contains": lambda items, value: value in items,
    "trimspace": lambda text: text.strip(),
}
