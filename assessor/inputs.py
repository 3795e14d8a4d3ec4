"""Reads the JSON files assessor itself writes (inventories, results, baselines), turning any
problem into an input error that names the file and the field."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from assessor.errors import InputError

_M = TypeVar("_M", bound=BaseModel)


def read_json_model(path: Path, model: type[_M]) -> _M:
    try:
        return model.model_validate_json(path.read_bytes())
    except OSError as error:
        raise InputError(str(path), None, None, f"cannot read: {error.strerror}") from None
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise InputError(str(path), None, where, first["msg"]) from None
