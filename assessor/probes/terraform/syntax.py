"""Terraform expressions parsed once into a tree.

python-hcl2 hands expressions back as text (``${lookup(var.regions, "eu")}``, a heredoc, a
plain string). :func:`parse` turns that text into the tree of :mod:`syntax`'s nodes, once per
distinct text (cached): the evaluator and the reference finder both walk the same tree, so
what a flow points at and what a region evaluates to can never disagree.

The grammar is HCL's native expression syntax: literals, templates, traversals (``a.b[0]``),
splats (``x[*].id``, ``x.*.id``), operators with HCL's precedence, conditionals, function
calls (with ``...`` expansion), tuples, objects and ``for`` expressions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any


class SyntaxProblem(Exception):
    """The text is not an expression this parser reads; ``why`` says where it stopped."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


MAX_LENGTH = 10_000  # an expression longer than this does not decide a region
MAX_DEPTH = 64  # nesting deeper than this is not written by people: refused, not recursed

# --- nodes --------------------------------------------------------------------------------


class Node:
    """An expression; subclasses are frozen dataclasses."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class Literal(Node):
    value: Any


@dataclass(frozen=True, slots=True)
class Template(Node):
    """``"a-${var.x}"``: text and interpolations, joined into a string."""

    parts: tuple[str | Node, ...]


@dataclass(frozen=True, slots=True)
class Name(Node):
    """The root of a traversal: ``var``, ``local``, ``aws_s3_bucket``, a ``for`` variable."""

    name: str


@dataclass(frozen=True, slots=True)
class Attribute(Node):
    target: Node
    name: str


@dataclass(frozen=True, slots=True)
class Index(Node):
    target: Node
    key: Node


@dataclass(frozen=True, slots=True)
class Splat(Node):
    """``source[*].rest``: ``rest`` is applied to every element (``Name("*")`` stands for it)."""

    source: Node
    each: Node


@dataclass(frozen=True, slots=True)
class Conditional(Node):
    condition: Node
    yes: Node
    no: Node


@dataclass(frozen=True, slots=True)
class Operation(Node):
    operator: str  # binary operators, and "!" / "neg" with ``right`` only
    left: Node | None
    right: Node


@dataclass(frozen=True, slots=True)
class Call(Node):
    function: str
    arguments: tuple[Node, ...]
    expand_last: bool = False


@dataclass(frozen=True, slots=True)
class TupleOf(Node):
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class ObjectOf(Node):
    items: tuple[tuple[Node, Node], ...]


@dataclass(frozen=True, slots=True)
class For(Node):
    """``[for v in c : x if p]`` and ``{for k, v in c : k => x... if p}``."""

    key_name: str | None
    value_name: str
    collection: Node
    key: Node | None  # None in a tuple ``for``
    value: Node
    condition: Node | None
    grouping: bool = False


SPLAT_ITEM = Name("*")

# --- entry points -------------------------------------------------------------------------


@lru_cache(maxsize=65_536)
def parse(text: str) -> Node:
    """The tree of an argument's text as python-hcl2 serializes it (a plain string is a
    template: ``${...}`` alone keeps its value's type)."""
    if len(text) > MAX_LENGTH:
        raise SyntaxProblem("too long to evaluate")
    try:
        return _parse(text)
    except RecursionError:
        raise SyntaxProblem(f"nested more than {MAX_DEPTH} deep") from None


def _parse(text: str) -> Node:
    heredoc = _HEREDOC.match(text)
    if heredoc:
        body = heredoc.group("body")
        if heredoc.group("indent"):
            body = _dedent(body)
        return _template(body + "\n")
    return _template(text)


def parse_expression(text: str, depth: int = 0) -> Node:
    """The tree of bare expression text (no ``${}``)."""
    parser = _Parser(_tokens(text, depth), depth)
    node = parser.expression()
    parser.end()
    return node


_HEREDOC = re.compile(r"^<<(?P<indent>-?)(?P<tag>\w+)\n(?P<body>.*)\n\s*(?P=tag)$", re.S)


def _dedent(body: str) -> str:
    lines = body.split("\n")
    widths = [len(line) - len(line.lstrip(" ")) for line in lines if line.strip()]
    cut = min(widths, default=0)
    return "\n".join(line[cut:] for line in lines)


def _template(text: str, depth: int = 0) -> Node:
    if "${" not in text and "%{" not in text:
        return Literal(text.replace("$${", "${"))
    parts: list[str | Node] = []
    position = 0
    literal: list[str] = []
    while position < len(text):
        if text.startswith("$${", position) or text.startswith("%%{", position):
            literal.append(text[position + 1 : position + 3])
            position += 3
            continue
        if text.startswith("%{", position):
            raise SyntaxProblem("a template directive (%{ ... })")
        if text.startswith("${", position):
            end = closing(text, position + 2)
            if literal:
                parts.append("".join(literal))
                literal = []
            inner = text[position + 2 : end].strip().removeprefix("~").removesuffix("~")
            parts.append(parse_expression(inner, depth + 1))
            position = end + 1
            continue
        literal.append(text[position])
        position += 1
    if literal:
        parts.append("".join(literal))
    if len(parts) == 1 and isinstance(parts[0], Node):
        return parts[0]
    return Template(tuple(parts))


def closing(text: str, start: int) -> int:
    """Where the ``}`` closing an interpolation opened just before ``start`` is."""
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
    raise SyntaxProblem("an unterminated interpolation")


# --- tokens -------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<number>\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)
      | (?P<name>[A-Za-z_][A-Za-z0-9_-]*)
      | (?P<string>")
      | (?P<op>==|!=|<=|>=|&&|\|\||=>|\.\.\.|[-+*/%<>!?:.,\[\](){}=])
    )""",
    re.VERBOSE,
)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}

Token = tuple[str, Any]  # (kind, text) or ("string", Node)


def _tokens(source: str, depth: int = 0) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    while position < len(source):
        if not source[position:].strip():
            break
        match = _TOKEN.match(source, position)
        if match is None or match.lastgroup is None:
            raise SyntaxProblem(f"cannot read {source[position : position + 20].strip()!r}")
        kind = match.lastgroup
        position = match.end()
        if kind == "string":
            body, position = _string(source, position)
            tokens.append(("string", _template(body, depth + 1)))
        else:
            tokens.append((kind, match.group(kind)))
    return tokens


def _string(source: str, position: int) -> tuple[str, int]:
    """A quoted string's body, escapes decoded, ``${...}`` kept as written."""
    text: list[str] = []
    index = position
    while index < len(source):
        char = source[index]
        if char == "\\" and index + 1 < len(source):
            following = source[index + 1]
            if following == "u" and index + 5 < len(source):
                text.append(chr(int(source[index + 2 : index + 6], 16)))
                index += 6
                continue
            text.append(_ESCAPES.get(following, following))
            index += 2
        elif source.startswith("${", index):
            end = closing(source, index + 2)
            text.append(source[index : end + 1])
            index = end + 1
        elif char == '"':
            return "".join(text), index + 1
        else:
            text.append(char)
            index += 1
    raise SyntaxProblem("an unterminated string")


# --- grammar ------------------------------------------------------------------------------

_LEVELS: tuple[tuple[str, ...], ...] = (
    ("||",),
    ("&&",),
    ("==", "!="),
    ("<", ">", "<=", ">="),
    ("+", "-"),
    ("*", "/", "%"),
)


class _Parser:
    """Recursive descent (precedence, lowest first: conditional, ||, &&, ==/!=, comparisons,
    +/-, *,/,%, unary, postfix)."""

    def __init__(self, tokens: list[Token], depth: int = 0) -> None:
        self.tokens = tokens
        self.position = 0
        self.depth = depth

    def peek(self, ahead: int = 0) -> Token | None:
        index = self.position + ahead
        return self.tokens[index] if index < len(self.tokens) else None

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise SyntaxProblem("the expression ends too early")
        self.position += 1
        return token

    def accept(self, op: str) -> bool:
        if self.peek() == ("op", op):
            self.position += 1
            return True
        return False

    def expect(self, op: str) -> None:
        if not self.accept(op):
            found = self.peek()
            raise SyntaxProblem(f"expected {op!r}, found {found[1] if found else 'the end'!r}")

    def end(self) -> None:
        if self.peek() is not None:
            raise SyntaxProblem(f"cannot read past {self.peek()!r}")

    def expression(self) -> Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise SyntaxProblem(f"nested more than {MAX_DEPTH} deep")
        try:
            condition = self.binary(0)
            if not self.accept("?"):
                return condition
            yes = self.expression()
            self.expect(":")
            return Conditional(condition, yes, self.expression())
        finally:
            self.depth -= 1

    def binary(self, level: int) -> Node:
        if level == len(_LEVELS):
            return self.unary()
        left = self.binary(level + 1)
        while True:
            token = self.peek()
            if token is None or token[0] != "op" or token[1] not in _LEVELS[level]:
                return left
            self.position += 1
            left = Operation(token[1], left, self.binary(level + 1))

    def unary(self) -> Node:
        if self.accept("!"):
            return Operation("!", None, self.unary())
        if self.accept("-"):
            return Operation("neg", None, self.unary())
        return self.postfix(self.primary())

    def primary(self) -> Node:
        kind, text = self.take()
        if kind == "number":
            return Literal(float(text) if any(c in text for c in ".eE") else int(text))
        if kind == "string":
            node: Node = text
            return node
        if kind == "name":
            if text in ("true", "false"):
                return Literal(text == "true")
            if text == "null":
                return Literal(None)
            if self.accept("("):
                return self.call(text)
            return Name(text)
        if (kind, text) == ("op", "("):
            inner = self.expression()
            self.expect(")")
            return inner
        if (kind, text) == ("op", "["):
            return self.for_expression("]") if self.peek() == ("name", "for") else self.tuple()
        if (kind, text) == ("op", "{"):
            return self.for_expression("}") if self.peek() == ("name", "for") else self.object()
        raise SyntaxProblem(f"unexpected {text!r}")

    def tuple(self) -> Node:
        items = []
        while not self.accept("]"):
            items.append(self.expression())
            if not self.accept(","):
                self.expect("]")
                break
        return TupleOf(tuple(items))

    def object(self) -> Node:
        items = []
        while not self.accept("}"):
            token, following = self.peek(), self.peek(1)
            if token and token[0] == "name" and following in (("op", "="), ("op", ":")):
                self.position += 1
                key: Node = Literal(token[1])  # a bare name is the key itself, as in HCL
            else:
                key = self.expression()
            if not (self.accept("=") or self.accept(":")):
                raise SyntaxProblem("an object item without = or :")
            items.append((key, self.expression()))
            self.accept(",")
        return ObjectOf(tuple(items))

    def for_expression(self, closer: str) -> Node:
        self.take()  # "for"
        first = self.name()
        second = self.name() if self.accept(",") else None
        key_name, value_name = (first, second) if second else (None, first)
        if self.take() != ("name", "in"):
            raise SyntaxProblem("a for expression without 'in'")
        collection = self.expression()
        self.expect(":")
        key = None
        if closer == "}":
            key = self.expression()
            self.expect("=>")
        value = self.expression()
        grouping = closer == "}" and self.accept("...")
        condition = None
        if self.peek() == ("name", "if"):
            self.position += 1
            condition = self.expression()
        self.expect(closer)
        return For(key_name, value_name, collection, key, value, condition, grouping)

    def name(self) -> str:
        kind, text = self.take()
        if kind != "name":
            raise SyntaxProblem(f"expected a name, found {text!r}")
        return str(text)

    def call(self, function: str) -> Node:
        arguments = []
        expand = False
        while not self.accept(")"):
            arguments.append(self.expression())
            if self.accept("..."):
                expand = True
            if not self.accept(","):
                self.expect(")")
                break
        return Call(function, tuple(arguments), expand)

    def postfix(self, node: Node) -> Node:
        while True:
            if self.accept("."):
                kind, text = self.take()
                if (kind, text) == ("op", "*"):
                    return Splat(node, self.splat_rest(legacy=True))
                node = (
                    Attribute(node, str(text))
                    if kind == "name"
                    else Index(node, Literal(int(text)))
                )
            elif self.peek() == ("op", "["):
                self.position += 1
                if self.accept("*"):
                    self.expect("]")
                    return Splat(node, self.splat_rest(legacy=False))
                key = self.expression()
                self.expect("]")
                node = Index(node, key)
            else:
                return node

    def splat_rest(self, legacy: bool) -> Node:
        """What follows a splat applies to each element (an attribute-only splat, ``.*``,
        takes attributes only)."""
        node: Node = SPLAT_ITEM
        while True:
            if self.peek() == ("op", ".") and self.peek(1) and self.peek(1)[0] == "name":  # type: ignore[index]
                self.position += 1
                node = Attribute(node, str(self.take()[1]))
            elif not legacy and self.peek() == ("op", "["):
                self.position += 1
                key = self.expression()
                self.expect("]")
                node = Index(node, key)
            else:
                return node
