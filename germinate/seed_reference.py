"""``docs/seed-reference.md``, generated from the ``Seed`` model so that it cannot drift.

Types and defaults come from the pydantic fields; meanings from ``Field(description=...)``
or, for the rest, from ``MEANINGS`` below. ``tests/unit/test_seed_reference.py`` fails when a
key has no meaning or the committed file differs from this output. Regenerate with
``python -m germinate.seed_reference > docs/seed-reference.md``.
"""

from __future__ import annotations

import json
import types
from collections.abc import Iterator
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from germinate.seed import ALWAYS_DISALLOWED_WRITES, Seed
from germinate.seed_meanings import EXAMPLE, MEANINGS, SECTION_INTRO


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


def type_name(annotation: Any, nested: bool = False) -> str:
    """A reader's name for a field type: ``list of glob``, ``number``, ``mapping of name to ...``."""
    origin = get_origin(annotation)
    args = get_args(annotation)
    if origin is Annotated:
        return "glob" if any("check_glob" in repr(m) for m in annotation.__metadata__) else type_name(args[0])
    if origin in (Union, types.UnionType):
        rest = [a for a in args if a is not type(None)]
        inner = " or ".join(type_name(a) for a in rest)
        return f"{inner} or null" if len(rest) < len(args) else inner
    if origin is Literal:
        return " | ".join(json.dumps(a) for a in args)
    if origin is list:
        return f"list of {type_name(args[0], nested=True)}"
    if origin is dict:
        return f"mapping of name to {type_name(args[1], nested=True)}"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "entry" if nested else "section"
    names = {str: "string", int: "integer", float: "number", bool: "boolean", Any: "any"}
    return names.get(annotation, getattr(annotation, "__name__", str(annotation)))


_REQUIRED = object()


def default_of(field: FieldInfo) -> Any:
    """The field's own default (``_REQUIRED`` when it has none)."""
    if field.is_required():
        return _REQUIRED
    factory = field.default_factory
    value = factory() if factory is not None else field.default  # type: ignore[call-arg]
    return _REQUIRED if value is PydanticUndefined else value


def default_text(value: Any) -> str:
    if value is _REQUIRED:
        return "**required**"
    if isinstance(value, BaseModel):
        return "see its keys"
    return f"`{json.dumps(value)}`"


def field_type(field: FieldInfo) -> str:
    """``type_name`` of a field; pydantic moves a top-level ``Annotated`` glob into metadata."""
    if any("check_glob" in repr(m) for m in field.metadata):
        return "glob"
    return type_name(field.annotation) + _bounds(field)


def _bounds(field: FieldInfo) -> str:
    """Numeric limits, e.g. ``, 0..1`` or ``, > 0``."""
    names = {"Ge": "ge", "Gt": "gt", "Le": "le", "Lt": "lt"}
    limits = {type(m).__name__: getattr(m, names[type(m).__name__]) for m in field.metadata
              if type(m).__name__ in names}
    low = f"{limits['Ge']:g}" if "Ge" in limits else None
    high = f"{limits['Le']:g}" if "Le" in limits else None
    if low is not None and high is not None:
        return f", {low}..{high}"
    parts = [f">= {low}" if low is not None else "", f"> {limits['Gt']:g}" if "Gt" in limits else "",
             f"<= {high}" if high is not None else ""]
    shown = " ".join(p for p in parts if p)
    return f", {shown}" if shown else ""


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


def meaning(path: str, field: FieldInfo) -> str:
    return field.description or MEANINGS.get(path, "")


def missing_meanings() -> list[str]:
    """Keys with no meaning written down (the test keeps this empty)."""
    return [path for path, field, _ in walk() if not meaning(path, field)]


def render() -> str:
    """The whole reference as markdown."""
    out = [
        "# Seed reference (`seed.yaml`)",
        "",
        "<!-- Generated by `python -m germinate.seed_reference > docs/seed-reference.md`; do not edit. -->",
        "",
        SECTION_INTRO.strip(),
        "",
        "Paths written `a[]` are lists of entries; `a.<name>` are mappings whose keys you choose.",
        "Every glob is relative to the repository root: `*` matches within a folder, `**` across folders "
        "and must be a whole path component (`src/**/*.py`).",
        "",
        "Automation may never write these paths, whatever the seed says: "
        + ", ".join(f"`{p}`" for p in ALWAYS_DISALLOWED_WRITES) + ".",
        "",
    ]
    for section, fields in _sections():
        out += [f"## `{section}`", "", "| key | type | default | meaning |", "|---|---|---|---|"]
        for path, field, default in fields:
            text = meaning(path, field).replace("|", "\\|").replace("\n", " ")
            out.append(f"| `{path}` | {field_type(field)} | {default_text(default)} | {text} |")
        out.append("")
    out += ["## A complete example", "", "```yaml", EXAMPLE.strip(), "```", ""]
    return "\n".join(out)


def _sections() -> list[tuple[str, list[tuple[str, FieldInfo, Any]]]]:
    grouped: dict[str, list[tuple[str, FieldInfo, Any]]] = {}
    for path, field, default in walk():
        grouped.setdefault(path.split(".", 1)[0].split("[", 1)[0], []).append((path, field, default))
    return list(grouped.items())


if __name__ == "__main__":  # pragma: no cover
    print(render(), end="")
