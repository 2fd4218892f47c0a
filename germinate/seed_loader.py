"""Load ``seed.yaml`` into a ``Seed`` with errors a person can act on.

Every problem names ``file:line:column``, the key path, what was expected and a fix.
PyYAML's node tree gives the positions; pydantic gives the problems; ``difflib`` gives the
"did you mean" for unknown keys. Keys starting with ``x-`` are extensions and are dropped.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from germinate.errors import SeedError
from germinate.seed import LoadedSeed, Seed, seed_hash

Loc = tuple[str | int, ...]


class _Positions:
    """Maps key paths to (line, column) of the key (for mappings) or value, 1-based."""

    def __init__(self) -> None:
        self.keys: dict[Loc, tuple[int, int]] = {}
        self.values: dict[Loc, tuple[int, int]] = {}
        self.duplicates: list[tuple[Loc, tuple[int, int]]] = []

    def walk(self, node: yaml.Node, loc: Loc = ()) -> Any:
        self.values[loc] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, yaml.MappingNode):
            out: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = key_node.value
                child = (*loc, key)
                if key in out:
                    self.duplicates.append((child, (key_node.start_mark.line + 1, key_node.start_mark.column + 1)))
                self.keys[child] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                out[key] = self.walk(value_node, child)
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.walk(item, (*loc, i)) for i, item in enumerate(node.value)]
        return None

    def at(self, loc: Loc) -> tuple[int, int]:
        """Position of the deepest known prefix of ``loc``."""
        for end in range(len(loc), -1, -1):
            prefix = loc[:end]
            if prefix in self.keys:
                return self.keys[prefix]
            if prefix in self.values:
                return self.values[prefix]
        return (1, 1)


def _strip_extensions(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _strip_extensions(v) for k, v in data.items() if not (isinstance(k, str) and k.startswith("x-"))}
    if isinstance(data, list):
        return [_strip_extensions(v) for v in data]
    return data


def _model_at(loc: Loc) -> type[BaseModel] | None:
    """The pydantic model class that holds the last key of ``loc`` (for suggestions)."""
    model: Any = Seed
    for part in loc[:-1]:
        if isinstance(model, type) and issubclass(model, BaseModel):
            field = _field_by_key(model, str(part))
            if field is None:
                return None
            model = field.annotation
        else:
            model = _unwrap(model, part)
            if model is None:
                return None
        model = _unwrap_optional(model)
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _field_by_key(model: type[BaseModel], key: str) -> Any:
    for name, field in model.model_fields.items():
        if key in (name, field.alias):
            return field
    return None


def _unwrap_optional(tp: Any) -> Any:
    args = [a for a in get_args(tp) if a is not type(None)]
    if get_origin(tp) is not None and len(args) == 1 and get_origin(tp) not in (list, dict):
        return args[0]
    return tp


def _unwrap(tp: Any, part: str | int) -> Any:
    origin = get_origin(tp)
    if origin is list:
        return get_args(tp)[0]
    if origin is dict:
        return get_args(tp)[1]
    return None


def _known_keys(model: type[BaseModel]) -> list[str]:
    return [field.alias or name for name, field in model.model_fields.items()]


def _dotted(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _describe(error: Any, loc: Loc) -> tuple[str, str]:
    """(what was expected, how to fix) for one pydantic error."""
    kind = error["type"]
    key = str(loc[-1]) if loc else ""
    if kind == "extra_forbidden":
        model = _model_at(loc)
        known = _known_keys(model) if model else []
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
        hint = f"did you mean '{close[0]}'?" if close else f"known keys: {', '.join(known)}"
        return (f"unknown key '{key}'", f"{hint} (prefix a key with 'x-' to keep it as an extension)")
    if kind == "missing":
        return (f"required key '{key}' is missing", f"add '{key}:' here (see docs/seed-reference.md)")
    given = error.get("input")
    shown = repr(given) if not isinstance(given, dict | list) else type(given).__name__
    msg = error["msg"].removeprefix("Value error, ")
    return (f"{msg} (got {shown})", "fix the value; docs/seed-reference.md lists each key's type and default")


def _format(path: Path, positions: _Positions, error: Any) -> str:
    loc: Loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    line, col = positions.at(loc)
    what, fix = _describe(error, loc)
    return f"{path}:{line}:{col}: {_dotted(loc)}: {what}. Fix: {fix}"


def parse_seed_text(text: str, path: Path) -> Seed:
    """Validate seed text; ``path`` is only used in messages."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        problem = " ".join(p for p in (exc.context, exc.problem) if p)
        raise SeedError([f"{where}: malformed YAML: {problem}. Fix: check indentation and quoting near this line"]) from None
    except yaml.YAMLError as exc:
        raise SeedError([f"{path}: malformed YAML: {exc}"]) from None
    if node is None or data is None:
        raise SeedError([f"{path}:1:1: the seed is empty. Fix: start from 'germinate init' or docs/seed-reference.md"])
    if not isinstance(data, dict):
        raise SeedError([f"{path}:1:1: the seed must be a mapping of sections, got {type(data).__name__}. "
                         "Fix: start with 'version: 1' and 'project: {name: ...}'"])
    positions = _Positions()
    positions.walk(node)
    problems = [
        f"{path}:{line}:{col}: {_dotted(loc)}: key appears twice; the second would silently win. Fix: keep one"
        for loc, (line, col) in positions.duplicates
    ]
    try:
        seed = Seed.model_validate(_strip_extensions(data))
    except ValidationError as exc:
        problems += [_format(path, positions, err) for err in exc.errors()]
        raise SeedError(problems) from None
    if problems:
        raise SeedError(problems)
    return seed


def load_seed_file(path: Path) -> LoadedSeed:
    """Read, validate and hash a seed file."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SeedError([f"{path}: no seed file here. Fix: run 'germinate init {path.parent}' to write a starter"]) from None
    except OSError as exc:
        raise SeedError([f"{path}: cannot read the seed: {exc.strerror}"]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SeedError([f"{path}: not UTF-8 text (byte {exc.start}). Fix: save the seed as UTF-8"]) from None
    seed = parse_seed_text(text, path)
    return LoadedSeed(seed=seed, path=path.resolve(), sha256=seed_hash(raw))
