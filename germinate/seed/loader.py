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
from germinate.seed.model import SEED_FILENAME, LoadedSeed, Seed, find_seed, seed_hash

Loc = tuple[str | int, ...]


class _Positions:
    """Maps key paths to (line, column) of the key (for mappings) or value, 1-based."""

    # Aliases can make a small file expand exponentially ("billion laughs"); no real seed is near this.
    MAX_NODES = 200_000

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        self.keys: dict[Loc, tuple[int, int]] = {}
        self.values: dict[Loc, tuple[int, int]] = {}
        self.duplicates: list[tuple[Loc, tuple[int, int]]] = []
        self.cycles: list[tuple[Loc, tuple[int, int]]] = []
        self._open: set[int] = set()

    def walk(self, node: yaml.Node, loc: Loc = ()) -> None:
        self.values[loc] = (node.start_mark.line + 1, node.start_mark.column + 1)
        self.count += 1
        if self.count > self.MAX_NODES:
            raise SeedError([f"{self.path}: the seed expands to more than {self.MAX_NODES} values (nested "
                             "'*alias' references?). Fix: write the values out instead of nesting aliases"])
        if id(node) in self._open:  # an alias that refers to its own ancestor
            self.cycles.append((loc, self.values[loc]))
            return
        self._open.add(id(node))
        try:
            self._walk_children(node, loc)
        finally:
            self._open.discard(id(node))

    def _walk_children(self, node: yaml.Node, loc: Loc) -> None:
        if isinstance(node, yaml.MappingNode):
            out: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = key_node.value
                child = (*loc, key)
                if key in out:
                    self.duplicates.append((child, (key_node.start_mark.line + 1, key_node.start_mark.column + 1)))
                self.keys[child] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                out[key] = None
                self.walk(value_node, child)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                self.walk(item, (*loc, i))

    def at(self, loc: Loc) -> tuple[int, int]:
        """Position of the deepest known prefix of ``loc``."""
        # YAML keys are recorded as written; pydantic may report a non-string key (``1:``) as int.
        as_text: Loc = tuple(str(p) for p in loc)
        for end in range(len(loc), -1, -1):
            for candidate in (loc[:end], as_text[:end]):
                if candidate in self.keys:
                    return self.keys[candidate]
                if candidate in self.values:
                    return self.values[candidate]
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


def _elsewhere(key: str, loc: Loc) -> str | None:
    """The full path of a key with this name in another section (a mis-indented key)."""
    from germinate.seed.fields import walk

    here = _dotted(loc[:-1])
    paths = [path for path, _, _ in walk() if path.rsplit(".", 1)[-1] == key and "[]" not in path
             and "<name>" not in path]
    return next((p for p in paths if not p.startswith(here)), None) if paths else None


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
        elsewhere = _elsewhere(key, loc)
        if close:
            hint = f"did you mean '{close[0]}'?"
        elif elsewhere:
            hint = f"'{key}' belongs elsewhere: did you mean '{elsewhere}'? (check the indentation)"
        else:
            hint = f"known keys: {', '.join(known)}"
        return (f"unknown key '{key}'", f"{hint} (prefix a key with 'x-' to keep it as an extension)")
    if kind == "missing":
        return (f"required key '{key}' is missing", f"add '{key}:' here (see docs/seed-reference.md)")
    given = error.get("input")
    shown = repr(given) if not isinstance(given, dict | list) else type(given).__name__
    msg = error["msg"].removeprefix("Value error, ")
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return (f"expected a mapping of keys under '{key}' (got {shown})",
                f"put its keys on the lines below '{key}:', indented by two spaces")
    if kind == "list_type":
        return (f"expected a list (got {shown})", f"write one '- item' per line under '{key}:', or [a, b]")
    if kind == "less_than_equal" and error.get("ctx", {}).get("le") == 1 and _is_number(given) and 1 < given <= 100:
        return (f"{msg} (got {shown})", f"this is a fraction between 0 and 1: write {given / 100:g} for {given:g}%")
    return (f"{msg} (got {shown})", "fix the value; docs/seed-reference.md lists each key's type and default")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _format(path: Path, positions: _Positions, error: Any) -> tuple[int, int, str]:
    loc: Loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    line, col = positions.at(loc)
    what, fix = _describe(error, loc)
    return line, col, f"{path}:{line}:{col}: {_dotted(loc)}: {what}. Fix: {fix}"


def _yaml_error(path: Path, text: str, exc: yaml.MarkedYAMLError) -> SeedError:
    """A malformed-YAML error with the offending line and a caret under the column."""
    lines = text.splitlines()
    mark = exc.problem_mark or exc.context_mark
    if mark is not None and mark.line >= len(lines) and exc.context_mark is not None:
        mark = exc.context_mark  # "got <stream end>": point at what was left open instead
    problem = " ".join(p for p in (exc.context, exc.problem) if p)
    if mark is None:
        return SeedError([f"{path}: malformed YAML: {problem}. Fix: check indentation and quoting"])
    shown = ""
    if mark.line < len(lines):
        shown = f"\n    {lines[mark.line]}\n    {' ' * mark.column}^"
    return SeedError([f"{path}:{mark.line + 1}:{mark.column + 1}: malformed YAML: {problem}. "
                      f"Fix: check indentation and quoting near this line{shown}"])


# libyaml is ~8x faster than the pure-Python parser; both keep node positions.
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _parse(text: str) -> tuple[yaml.Node | None, Any]:
    """One parse: the node tree (for positions) and the data built from it."""
    loader = _LOADER(text)
    try:
        node = loader.get_single_node()
        return node, (loader.construct_document(node) if node is not None else None)
    finally:
        loader.dispose()


def parse_seed_text(text: str, path: Path) -> Seed:
    """Validate seed text; ``path`` is only used in messages."""
    try:
        node, data = _parse(text)
    except yaml.MarkedYAMLError as exc:
        raise _yaml_error(path, text, exc) from None
    except yaml.YAMLError as exc:
        raise SeedError([f"{path}: malformed YAML: {exc}"]) from None
    if node is None or data is None:
        raise SeedError([f"{path}:1:1: the seed is empty. Fix: start from 'germinate init' or docs/seed-reference.md"])
    if not isinstance(data, dict):
        raise SeedError([f"{path}:1:1: the seed must be a mapping of sections, got {type(data).__name__}. "
                         "Fix: start with 'version: 1' and 'project: {name: ...}'"])
    positions = _Positions(path)
    positions.walk(node)
    if positions.cycles:
        raise SeedError([f"{path}:{line}:{col}: {_dotted(loc)}: an alias refers to a value that contains it "
                         "(a cycle). Fix: copy the values instead of using '*alias' here"
                         for loc, (line, col) in positions.cycles])
    problems = [
        (line, col, f"{path}:{line}:{col}: {_dotted(loc)}: key appears twice; the second would "
                    "silently win. Fix: keep one")
        for loc, (line, col) in positions.duplicates
    ]
    seed: Seed | None = None
    try:
        seed = Seed.model_validate(_strip_extensions(data))
    except ValidationError as exc:
        problems += [_format(path, positions, err) for err in exc.errors()]
    if problems or seed is None:
        raise SeedError([message for _, _, message in sorted(problems, key=lambda p: (p[0], p[1]))])
    return seed


def load_seed_file(path: Path) -> LoadedSeed:
    """Read, validate and hash a seed file."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        if path.name != "seed.yaml" or not path.parent.is_dir():
            raise SeedError([f"{path}: no such file or folder. Fix: check the path (a seed file, or a "
                             "repository holding seed.yaml)"]) from None
        raise SeedError([f"{path}: no seed file here. Fix: run 'germinate init {path.parent}' to write a starter"]) from None
    except OSError as exc:
        raise SeedError([f"{path}: cannot read the seed: {exc.strerror}"]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SeedError([f"{path}: not UTF-8 text (byte {exc.start}). Fix: save the seed as UTF-8"]) from None
    seed = parse_seed_text(text, path)
    return LoadedSeed(seed=seed, path=path.resolve(), sha256=seed_hash(raw))


def repo_seed(repo: Path | str, ref: str | None = None) -> LoadedSeed:
    """The seed of a repository, or Germinate's defaults (named after the folder) when it has none.

    ``ref=None`` reads ``seed.yaml`` in the working tree; a commit reads the seed committed
    there (``git show REF:seed.yaml``), so a change is judged by its base's seed, not its own.
    """
    from germinate.seed.model import Project
    from germinate.workspace import run_git

    repo = Path(repo)
    if ref is None:
        path = find_seed(repo)
        if path.is_file():
            return load_seed_file(path)
        where = path
    elif run_git(repo, "ls-tree", ref, "--", SEED_FILENAME).strip():
        where = Path(f"{ref[:12]}:{SEED_FILENAME}")
        text = run_git(repo, "show", f"{ref}:{SEED_FILENAME}")
        return LoadedSeed(seed=parse_seed_text(text, where), path=where, sha256=seed_hash(text))
    else:
        where = Path(f"(defaults: no {SEED_FILENAME} at {ref[:12]})")
    seed = Seed(project=Project(name=repo.resolve().name))
    return LoadedSeed(seed=seed, path=where, sha256=seed_hash(seed.model_dump_json()))


def growth_seed(repo: Path | str) -> LoadedSeed:
    """The seed that steers growth: ``seed.yaml`` as committed on the default branch.

    Uncommitted edits to the seed in the user's working tree do not steer automation, just as
    a change is judged by its base's seed: what governs Germinate is what the team committed.
    """
    from germinate.workspace import run_git

    repo = Path(repo)
    working = load_seed_file(find_seed(repo))
    branch = working.seed.project.repo.default_branch
    ref = f"refs/heads/{branch}"
    if not run_git(repo, "rev-parse", "--verify", "--quiet", ref, check=False).strip():
        raise SeedError([f"{find_seed(repo)}: project.repo.default_branch is {branch!r}, but {repo} has no such "
                         "branch. Fix: set project.repo.default_branch to the branch growth lands on"])
    if not run_git(repo, "ls-tree", ref, "--", SEED_FILENAME).strip():
        raise SeedError([f"{find_seed(repo)}: seed.yaml is not committed on {branch!r}; growth follows the committed "
                         f"seed. Fix: git add seed.yaml && git commit -m 'Add seed' (on {branch})"])
    return repo_seed(repo, ref)


def load_seed(path: Path | str) -> LoadedSeed:
    """Read and validate a seed file; raise ``SeedError`` listing every problem."""
    return load_seed_file(Path(path))
