"""The functions real Terraform code uses for names and regions, and the conversions
between values Terraform makes (a numeric string where a number is expected)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

# Makes the caller's error for a value that cannot be converted (its message says why).
Fail = Callable[[str], Exception]


def as_text(value: Any, fail: Fail) -> str:
    if value is None:
        raise fail("a null value inside a string")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    raise fail("a collection inside a string")


def truthy(value: Any, fail: Fail) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value in ("true", "false"):
        return value == "true"
    raise fail("a condition that is not a boolean")


def number(value: Any) -> Any:
    """Terraform converts numeric strings where a number is expected."""
    if isinstance(value, str):
        try:
            return float(value) if any(c in value for c in ".eE") else int(value)
        except ValueError:
            return value
    return value


# --- functions ----------------------------------------------------------------------------


def _refuse(why: str) -> Exception:
    return ValueError(why)


def _one(items: list[Any]) -> Any:
    if len(items) > 1:
        raise ValueError("more than one element")
    return items[0] if items else None


def _flatten(items: list[Any]) -> list[Any]:
    flat: list[Any] = []
    for item in items:
        flat.extend(_flatten(item) if isinstance(item, list) else [item])
    return flat


def _strict_number(value: Any) -> Any:
    converted = number(value)
    if isinstance(converted, bool) or not isinstance(converted, int | float):
        raise ValueError(f"{value!r} is not a number")
    return converted


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
    "jsondecode": json.loads,
    "jsonencode": lambda value: json.dumps(value, separators=(",", ":")),
    "element": lambda items, index: items[int(index) % len(items)],
    "format": _format,
    "join": lambda separator, items: separator.join(str(item) for item in items),
    "split": lambda separator, text: text.split(separator),
    "coalesce": lambda *values: next(v for v in values if v not in (None, "")),
    "coalescelist": lambda *lists: next(items for items in lists if items),
    "merge": lambda *maps: {k: v for m in maps for k, v in m.items()},
    "concat": lambda *lists: [item for items in lists for item in items],
    "lower": lambda text: text.lower(),
    "upper": lambda text: text.upper(),
    "replace": _replace,
    "substr": lambda text, offset, length: text[offset : None if length < 0 else offset + length],
    "tostring": lambda value: value if isinstance(value, str) else as_text(value, _refuse),
    "tomap": lambda value: dict(value),
    "toset": lambda values: sorted(set(values), key=str),
    "tolist": lambda values: list(values),
    "length": len,
    "keys": lambda mapping: sorted(mapping),
    "values": lambda mapping: [mapping[key] for key in sorted(mapping)],
    "contains": lambda items, value: value in items,
    "trimspace": lambda text: text.strip(),
    "trimprefix": lambda text, prefix: text.removeprefix(prefix),
    "trimsuffix": lambda text, suffix: text.removesuffix(suffix),
    "startswith": lambda text, prefix: text.startswith(prefix),
    "endswith": lambda text, suffix: text.endswith(suffix),
    "title": lambda text: text.title(),
    "one": _one,
    "flatten": _flatten,
    "distinct": lambda items: list(dict.fromkeys(items)),
    "compact": lambda items: [item for item in items if item not in (None, "")],
    "zipmap": lambda keys, values: dict(zip(keys, values, strict=True)),
    "tonumber": lambda value: None if value is None else _strict_number(value),
    "tobool": lambda value: (
        value if isinstance(value, bool) or value is None else truthy(value, _refuse)
    ),
    "range": lambda *bounds: list(range(*(int(bound) for bound in bounds))),
    "slice": lambda items, start, end: items[int(start) : int(end)],
    "reverse": lambda items: list(reversed(items)),
    "sort": lambda items: sorted(items),
    "min": min,
    "max": max,
    "abs": abs,
}
