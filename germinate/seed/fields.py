"""The seed's keys as a flat walk: (dotted path, field, default), for the loader and the reference."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from germinate.seed.model import Seed


def _model_of(annotation: Any) -> tuple[type[BaseModel] | None, str]:
    """The section model inside a field type, and how it nests: '', '[]' or '.<name>'."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, ""
    origin = get_origin(annotation)
    args = get_args(annotation)
    if origin is list and args and isinstance(args[0], type) and issubclass(args[0], BaseModel):
        return args[0], "[]"
    if origin is dict and len(args) == 2 and isinstance(args[1], type) and issubclass(args[1], BaseModel):
        return args[1], ".<name>"
    return None, ""


_REQUIRED = object()


def default_of(field: FieldInfo) -> Any:
    """The field's own default (``_REQUIRED`` when it has none)."""
    if field.is_required():
        return _REQUIRED
    factory = field.default_factory
    value = factory() if factory is not None else field.default  # type: ignore[call-arg]
    return _REQUIRED if value is PydanticUndefined else value


def walk(model: type[BaseModel] = Seed, prefix: str = "",
         parent: BaseModel | None = None) -> Iterator[tuple[str, FieldInfo, Any]]:
    """Every key of the seed as (dotted path, field, default), parents before children.

    Defaults come from the parent section's default when there is one: ``budgets.per_cycle``
    defaults to ``dollars: 1.0`` although a bare ``Budget`` has no dollar limit.
    """
    for name, field in model.model_fields.items():
        key = field.alias or name
        path = f"{prefix}.{key}" if prefix else key
        default = getattr(parent, name) if parent is not None else default_of(field)
        yield path, field, default
        inner, nesting = _model_of(field.annotation)
        if inner is not None:
            yield from walk(inner, path + nesting, default if isinstance(default, BaseModel) else None)
