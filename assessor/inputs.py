"""The one reader for every file a user hands in: rule packs, policies, waivers, declared
YAML and CSV, inventories, results, baselines, Terraform variables and plans.

Files arrive through pull requests in exactly the CI job this tool is built for, so a file
must not be able to cost more than it is worth. Before anything is built this module bounds
a file's size, its nesting depth and, for YAML, the number of nodes once aliases are expanded
(the "billion laughs" shape is refused from its anchors without expanding them). Every
problem is an :class:`~assessor.errors.InputError` naming file, line and field: exit 2, one
line, never a traceback or a hang.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from assessor.errors import InputError

_M = TypeVar("_M", bound=BaseModel)

LineMap = dict[tuple[str | int, ...], int]


@dataclass(frozen=True)
class Limits:
    """What one input file may cost. The defaults are far above any real rule pack, policy,
    waiver or declared file, and far below what would stall a CI runner."""

    max_bytes: int = 64 * 1024 * 1024
    max_depth: int = 100
    max_nodes: int = 2_000_000


YAML_LIMITS = Limits()
# Inventories and results are written by assessor itself and grow with the estate (a million
# assets is about 1 GiB of JSON); their nesting is shallow.
JSON_LIMITS = Limits(max_bytes=4 * 1024 * 1024 * 1024, max_depth=64)


def read_bytes(path: Path, limits: Limits = YAML_LIMITS) -> bytes:
    """The file's bytes, refused unread when it is larger than the limit."""
    name = str(path)
    try:
        size = path.stat().st_size
        if size > limits.max_bytes:
            raise InputError(name, None, None, f"{size:,} bytes is over the {limits.max_bytes:,}")
        with path.open("rb") as stream:
            # A file that grows while we read it (a FIFO, /dev/zero) is cut at the limit + 1.
            data = stream.read(limits.max_bytes + 1)
    except OSError as error:
        raise InputError(name, None, None, f"cannot read: {error.strerror}") from None
    if len(data) > limits.max_bytes:
        raise InputError(name, None, None, f"more than {limits.max_bytes:,} bytes")
    return data


def read_text(path: Path, limits: Limits = YAML_LIMITS) -> str:
    """The file as UTF-8 text; invalid UTF-8 and NUL bytes are input errors with their line."""
    data = read_bytes(path, limits)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise InputError(str(path), line, None, "not valid UTF-8 text") from None
    nul = text.find("\0")
    if nul >= 0:
        raise InputError(str(path), text.count("\n", 0, nul) + 1, None, "NUL byte in a text file")
    return text


def read_json(path: Path, limits: Limits = JSON_LIMITS) -> Any:
    """Parse a JSON file of any shape (a Terraform plan), bounded in size and depth."""
    text = read_text(path, limits)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(str(path), error.lineno, None, f"invalid JSON: {error.msg}") from None
    except RecursionError:
        raise InputError(str(path), None, None, "nested too deeply") from None
    _check_depth(data, limits.max_depth, str(path))
    return data


def read_json_model(path: Path, model: type[_M], limits: Limits = JSON_LIMITS) -> _M:
    """Read one of assessor's own JSON files (inventory, result, baseline) into ``model``."""
    data = read_bytes(path, limits)
    try:
        return model.model_validate_json(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or None
        # A model's own check reads as its sentence, without pydantic's "Value error, ".
        message = first["msg"].removeprefix("Value error, ")
        raise InputError(str(path), None, where, _one_line(message)) from None


def load_validated_yaml(
    path: Path, model: type[_M], limits: Limits = YAML_LIMITS
) -> tuple[_M, LineMap]:
    """Read a YAML file into ``model``; any problem is an InputError with file, line, field."""
    name = str(path)
    data, lines = parse_yaml_with_lines(read_text(path, limits), name, limits)
    return validate(data, lines, model, name), lines


def validate(data: Any, lines: LineMap, model: type[_M], name: str) -> _M:
    """Validate parsed data into ``model``, naming the line and field of the first problem."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems = error.errors()
        # The deepest problem says most (a tuple too short because its one item was refused
        # says less than why the item was); at one depth, a key that is there but wrong says
        # more than a key reported missing because of it.
        first = min(
            problems, key=lambda problem: (-len(problem["loc"]), problem["type"] == "missing")
        )
        path_in_file = _data_path(data, first["loc"])
        more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        raise InputError(
            name,
            line_for(lines, path_in_file),
            dotted(path_in_file),
            _one_line(first["msg"]) + more,
        ) from None


# libyaml's parser where PyYAML was built with it (the wheels are): the same events, nodes
# and marks as the pure-Python one, about ten times faster (the four rule packs: 0.6 s of
# every run before). Scalars are still resolved by the safe loader's own rules.
_PARSER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_yaml_with_lines(
    text: str, name: str, limits: Limits = YAML_LIMITS
) -> tuple[Any, LineMap]:
    """Safe-load YAML and record the 1-based line of every mapping key and list item."""
    try:
        _check_yaml_depth(text, name, limits.max_depth)
        root = yaml.compose(text, Loader=_PARSER)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else None
        raise InputError(name, line, None, f"invalid YAML: {error.problem}") from None
    except yaml.YAMLError as error:  # reader errors: control characters, bad encodings
        raise InputError(name, None, None, f"invalid YAML: {_one_line(str(error))}") from None
    if root is None:
        raise InputError(name, 1, None, "the file is empty")
    _check_expansion(root, name, limits)
    lines: LineMap = {}
    # Scalars are resolved by the safe loader's own rules (ints, floats, booleans, null).
    scalars = yaml.SafeLoader("")
    try:
        return _to_python(root, (), lines, name, scalars), lines
    except yaml.constructor.ConstructorError as error:
        mark = error.problem_mark
        line = mark.line + 1 if mark else None
        raise InputError(name, line, None, f"invalid YAML: {error.problem}") from None
    except (ValueError, OverflowError) as error:  # a timestamp such as 2024-13-45
        raise InputError(name, None, None, f"invalid YAML value: {_one_line(str(error))}") from None
    finally:
        scalars.dispose()


def _check_yaml_depth(text: str, name: str, max_depth: int) -> None:
    """Walk the event stream (iterative in PyYAML) so deep nesting is refused before the
    recursive composer sees it."""
    depth = 0
    for event in yaml.parse(text, Loader=_PARSER):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > max_depth:
                line = event.start_mark.line + 1 if event.start_mark else None
                raise InputError(name, line, None, f"nested more than {max_depth} levels deep")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _check_expansion(root: yaml.Node, name: str, limits: Limits) -> None:
    """Count the nodes (and levels) the document would have once every alias is expanded,
    without expanding it: each node's size is computed once and reused wherever an alias
    points at it, so a 1 KB file of nested aliases is refused in microseconds."""
    sizes: dict[int, int] = {}
    depths: dict[int, int] = {}
    active: set[int] = set()
    # Post-order walk with an explicit stack: the graph can be as deep as the depth limit.
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if key in sizes:
            continue
        children = _children(node)
        if not children_done:
            if key in active:
                raise InputError(name, node.start_mark.line + 1, None, "an alias refers to itself")
            active.add(key)
            stack.append((node, True))
            stack.extend((child, False) for child in children if id(child) not in sizes)
            continue
        active.discard(key)
        total = 1 + sum(sizes.get(id(child), 0) for child in children)
        depth = 1 + max((depths.get(id(child), 0) for child in children), default=0)
        line = node.start_mark.line + 1
        if total > limits.max_nodes:
            raise InputError(
                name, line, None, f"aliases here expand to more than {limits.max_nodes:,} values"
            )
        if depth > limits.max_depth:
            raise InputError(
                name, line, None, f"aliases here nest more than {limits.max_depth} levels deep"
            )
        sizes[key], depths[key] = total, depth


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _to_python(
    node: yaml.Node,
    path: tuple[str | int, ...],
    lines: LineMap,
    name: str,
    scalars: yaml.SafeLoader,
) -> Any:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise InputError(name, key_node.start_mark.line + 1, None, "a key must be a string")
            key = key_node.value
            if key in result:
                raise InputError(name, key_node.start_mark.line + 1, str(key), "duplicate key")
            child = (*path, key)
            lines[child] = key_node.start_mark.line + 1
            result[key] = _to_python(value_node, child, lines, name, scalars)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            _to_python(item, (*path, i), lines, name, scalars) for i, item in enumerate(node.value)
        ]
    return scalars.construct_object(node, deep=True)


def _check_depth(data: Any, max_depth: int, name: str) -> None:
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > max_depth:
            raise InputError(name, None, None, f"nested more than {max_depth} levels deep")
        if isinstance(value, dict):
            stack.extend((child, depth + 1) for child in value.values())
        elif isinstance(value, list):
            stack.extend((child, depth + 1) for child in value)


_UNION_TAGS = frozenset({"all", "any", "not", "flows", "field"})


def _data_path(data: Any, loc: Sequence[Any]) -> tuple[str | int, ...]:
    """Map a pydantic error location onto the data.

    Pydantic puts the tag of a discriminated union into the location (``when.field.op``
    for the ``field`` member); a tag can also be a real key, so both readings are tried
    and the one that follows the data furthest wins.
    """
    best: tuple[str | int, ...] = ()

    def walk(current: Any, index: int, path: tuple[str | int, ...]) -> None:
        nonlocal best
        if len(path) > len(best) or (len(path) == len(best) and index == len(loc)):
            best = path
        if index == len(loc):
            return
        part = "not" if loc[index] == "not_" else loc[index]
        in_dict = isinstance(current, dict) and part in current
        in_list = isinstance(current, list) and isinstance(part, int) and part < len(current)
        if in_dict or in_list:
            walk(current[part], index + 1, (*path, part))
        elif isinstance(current, dict) and index == len(loc) - 1 and isinstance(part, str):
            best = max(best, (*path, part), key=len)  # a missing or extra field, by name
        if isinstance(part, str) and part in _UNION_TAGS:
            walk(current, index + 1, path)

    walk(data, 0, ())
    return best


def line_for(lines: LineMap, path: tuple[str | int, ...]) -> int:
    """The line of ``path``, or of its nearest ancestor the file names."""
    for end in range(len(path), -1, -1):
        if path[:end] in lines:
            return lines[path[:end]]
    return 1


def dotted(path: tuple[str | int, ...]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or "(top level)"


def _one_line(message: str) -> str:
    return " ".join(message.split())[:300]
