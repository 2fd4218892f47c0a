"""The building blocks of the seed model: ``Section`` (strict, frozen, empty means default),
``Glob`` (a validated repository-relative path glob) and section default factories."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar, get_origin

from pydantic import AfterValidator, BaseModel, ConfigDict, model_validator

S = TypeVar("S", bound=BaseModel)


class Section(BaseModel):
    """Base of every seed section: unknown keys are errors (typos must not pass silently).

    A key left empty in YAML (``quality_gates:`` with nothing under it, or every child
    commented out) reads as ``null``; for a section, list or mapping that means "defaults".
    """

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _empty_means_default(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        out = dict(data)
        for name, field in cls.model_fields.items():
            key = name if name in out else field.alias
            if key in out and out[key] is None and _empty_value(field.annotation) is not None:
                out[key] = _empty_value(field.annotation)
        return out


def _empty_value(annotation: Any) -> dict[str, Any] | list[Any] | None:
    """What ``null`` stands for in a field of this type: {} for sections and maps, [] for lists."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return {}
    origin = get_origin(annotation)
    if origin is dict:
        return {}
    if origin is list:
        return []
    return None


def _check_glob(pattern: str) -> str:
    if not pattern or not pattern.strip():
        raise ValueError("a path glob must not be empty")
    if "\\" in pattern:
        raise ValueError(f"{pattern!r} uses '\\'; globs use '/' as the separator, e.g. 'src/**/*.py'")
    if pattern.startswith("/") or pattern.startswith("~"):
        raise ValueError(f"{pattern!r} is absolute: globs are relative to the repository root")
    parts = pattern.split("/")
    if ".." in parts:
        raise ValueError(f"{pattern!r} escapes the repository with '..'")
    for part in parts:
        if "**" in part and part != "**":
            raise ValueError(
                f"{pattern!r}: '**' must be a whole path component; e.g. 'src/**/*.py', not 'src/**.py'"
            )
    if pattern.count("[") != pattern.count("]"):
        raise ValueError(f"{pattern!r} has an unbalanced '[' ']' character class")
    if "[]" in pattern or "[!]" in pattern:
        raise ValueError(f"{pattern!r} has an empty '[]' character class")
    return pattern


def _defaults(cls: type[S]) -> Callable[[], S]:
    """Default factory of a section: the section with every key at its default."""
    return lambda: cls.model_validate({})


Glob = Annotated[str, AfterValidator(_check_glob)]
"""A path glob relative to the repository root (``*`` within a folder, ``**`` across folders)."""
