"""Apply parsed edit blocks inside one worktree, and report exactly what to resend.

Blocks apply in order, each against the file as the previous ones left it. A block that
fails leaves its file untouched and is reported with the reason; the others stay applied.
Afterwards every changed Python file is compiled: one that no longer compiles is restored
to how it was before this call, and its blocks are reported with the syntax error.
Nothing is ever written outside the worktree (``../``, absolute paths, symlinks out, ``.git``),
and no file gets a name that is not canonical (``germinate.edits.names``: look-alike Unicode,
control or bidi characters, backslashes, a letter-case twin of an existing path).
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from germinate.edits import searchreplace as fmt
from germinate.edits.matching import Match, locate, nearest_lines
from germinate.edits.names import name_problem
from germinate.errors import GerminateError
from germinate.models import EditBlock

SKIP_DIRS = {"node_modules", "__pycache__", "venv", "env", "site-packages", "build", "dist"}


class EditPathError(GerminateError):
    """An edit names a path outside the worktree, inside ``.git``, or through a symlink."""


def resolve_in_worktree(worktree: Path, path: str) -> Path:
    """The absolute path ``path`` names inside ``worktree``; raise EditPathError if it escapes."""
    raw = path.strip()
    if not raw or "\x00" in raw:
        raise EditPathError(fmt.MSG_BAD_PATH.format(path=path, why="empty or invalid path"))
    problem = name_problem(raw)
    if problem is not None:
        raise EditPathError(fmt.MSG_BAD_PATH.format(path=path, why=f"not a canonical file name: {problem}"))
    pure = PurePosixPath(raw)
    if pure.is_absolute() or raw.startswith("~") or (len(raw) > 1 and raw[1] == ":"):
        raise EditPathError(
            fmt.MSG_BAD_PATH.format(path=path, why="absolute paths are not allowed")
        )
    if ".." in pure.parts:
        raise EditPathError(fmt.MSG_BAD_PATH.format(path=path, why="'..' leaves the repository"))
    if any(part.lower() == ".git" for part in pure.parts):
        raise EditPathError(
            fmt.MSG_BAD_PATH.format(path=path, why="files under .git cannot be edited")
        )
    root = worktree.resolve()
    target = root.joinpath(*pure.parts)
    twin = _case_twin(root, pure.parts)
    if twin is not None:
        raise EditPathError(fmt.MSG_BAD_PATH.format(
            path=path, why=f"it differs only in letter case from the existing '{twin}' (one file on macOS "
                           f"and Windows); edit '{twin}' or choose a different name"))
    if target.is_symlink():
        raise EditPathError(
            fmt.MSG_BAD_PATH.format(path=path, why="it is a symlink; edit the file it points to")
        )
    if not target.resolve().is_relative_to(root):
        raise EditPathError(
            fmt.MSG_BAD_PATH.format(
                path=path, why="a symlink on the way leads outside the repository"
            )
        )
    return target


def _case_twin(root: Path, parts: tuple[str, ...]) -> str | None:
    """The existing path that ``parts`` names up to letter case only, or None."""
    here = root
    for depth, part in enumerate(parts):
        try:
            entries = os.listdir(here)
        except OSError:  # not a folder (yet): nothing below it can collide
            return None
        if part not in entries:
            folded = part.casefold()
            twin = next((e for e in entries if e.casefold() == folded), None)
            if twin is not None:
                return "/".join([*parts[:depth], twin])
            return None
        here = here / part
    return None


@dataclass
class EditReport:
    """What happened to each block of one reply; ``feedback()`` is what the model reads next."""

    applied: list[EditBlock] = field(default_factory=list)
    failed: list[tuple[EditBlock, str]] = field(default_factory=list)
    reverted: list[tuple[str, str]] = field(default_factory=list)  # (path, syntax error)
    changed_files: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed and not self.reverted

    def failed_fingerprints(self) -> set[str]:
        """Fingerprints of the failed blocks (see ``block_fingerprint``)."""
        return {fmt.block_fingerprint(block) for block, _ in self.failed}

    def feedback(self) -> str:
        """The exact message for the model: what applied, what failed and why, what to resend."""
        total = len(self.applied) + len(self.failed)
        if self.ok:
            files = ", ".join(self.changed_files) or "no files"
            return f"All {total} edit blocks were applied ({files})."
        out = [f"# {len(self.failed)} of {total} edit block{'s' if total != 1 else ''} failed."]
        if self.applied:
            if len(self.applied) == 1:
                out.append("The other block was applied and is kept: do not resend it.")
            else:
                out.append(
                    f"The other {len(self.applied)} blocks were applied and are kept: do not resend them."
                )
        for number, (block, reason) in enumerate(self.failed, 1):
            shown = fmt.render_block(block).rstrip("\n")
            fence = "````" if "```" in shown else "```"
            out += ["", f"## Failed block {number}: {block.path}", reason, "", fence, shown, fence]
        out += ["", "Reply with corrected versions of the failed blocks only, in the same format."]
        return "\n".join(out) + "\n"


@dataclass
class _FileState:
    """A file's content before this call (None: it did not exist), to revert to."""

    original: bytes | None
    compiled_before: bool


class _Worktree:
    """Reads and writes files of one worktree, remembering how each was before this call."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.states: dict[str, _FileState] = {}

    def remember(self, rel: str, target: Path) -> None:
        if rel in self.states:
            return
        data = target.read_bytes() if target.is_file() else None
        self.states[rel] = _FileState(data, data is None or _compile_error(data, rel) is None)

    def revert(self, rel: str, target: Path) -> None:
        original = self.states[rel].original
        if original is None:
            target.unlink(missing_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(original)


def _compile_error(data: bytes, rel: str) -> str | None:
    try:
        compile(data, rel, "exec", dont_inherit=True)
    except SyntaxError as err:
        where = f"line {err.lineno}" if err.lineno else "unknown line"
        text = f": {err.text.strip()}" if err.text and err.text.strip() else ""
        return f"{type(err).__name__} at {where}: {err.msg}{text}"
    except ValueError as err:
        return f"ValueError: {err}"
    return None


def _repo_files(root: Path, limit: int = 20_000) -> list[str]:
    """Repository-relative file paths, skipping hidden folders and virtualenvs (for suggestions)."""
    found: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".") and d not in SKIP_DIRS]
        rel = Path(dirpath).relative_to(root)
        found += [(rel / f).as_posix() for f in filenames]
        if len(found) >= limit:
            break
    return found


def _similar_files(root: Path, rel: str) -> str:
    """' Did you mean: a, b?' for a missing file: same name elsewhere, else a close path."""
    files = _repo_files(root)
    name = PurePosixPath(rel).name
    pool = [f for f in files if PurePosixPath(f).name == name][:5]
    pool = pool or difflib.get_close_matches(rel, files, n=3, cutoff=0.6)
    return fmt.MSG_SIMILAR_FILES.format(names=", ".join(pool)) if pool else ""


def _enclosing(content: str, line: int) -> str:
    """The headers enclosing ``line`` (1-based), outermost first: ``class A: > def f(self):``."""
    lines = content.splitlines()
    target = lines[line - 1] if 0 < line <= len(lines) else ""
    depth = len(target) - len(target.lstrip())
    chain: list[str] = []
    for above in reversed(lines[: line - 1]):
        indent = len(above) - len(above.lstrip())
        if above.strip() and indent < depth:
            chain.append(above.strip())
            depth = indent
    return " > ".join(reversed(chain))


def _no_match_reason(block: EditBlock, content: str, count: int, places: list[int]) -> str:
    path = block.path
    if count > 1:
        text = fmt.MSG_AMBIGUOUS.format(count=count, path=path, places=", ".join(map(str, places)))
        inside = [f"- line {p}: inside `{h}`" for p in places[:5] if (h := _enclosing(content, p))]
        return "\n".join([text, *inside])
    parts = [fmt.MSG_NO_MATCH.format(path=path)]
    if any(line.strip() in ("...", "# ...") for line in block.search.splitlines()):
        parts.append(fmt.MSG_ELLIPSIS)
    if block.replace.strip() and block.replace.strip() in content:
        parts.append(fmt.MSG_ALREADY.format(path=path))
    near = nearest_lines(content, block.search)
    if near:
        last = near.first_line + len(near.lines) - 1
        span = f"lines {near.first_line}-{last}" if last > near.first_line else f"line {last}"
        head = fmt.MSG_NEAREST.format(path=path, span=span, percent=round(near.ratio * 100))
        parts += [head, "```", *near.lines, "```"]
    parts.append(fmt.MSG_EXACT_HINT)
    return "\n".join(parts)


def _decode(data: bytes) -> tuple[str, bool] | None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if "\x00" in text:
        return None
    crlf = "\r\n" in text
    return (text.replace("\r\n", "\n") if crlf else text), crlf


def _splice(content: str, match: Match) -> str:
    lines = content.splitlines(keepends=True)
    had_final_newline = content.endswith("\n") or not content
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    new = lines[: match.start] + match.replacement + lines[match.end :]
    text = "".join(new)
    if not had_final_newline and match.end < len(lines) and text.endswith("\n"):
        text = text[:-1]
    return text


def _apply_replace(target: Path, block: EditBlock) -> str | None:
    """Apply one SEARCH/REPLACE block to an existing file; the failure reason, or None."""
    decoded = _decode(target.read_bytes())
    if decoded is None:
        return fmt.MSG_NOT_TEXT.format(path=block.path)
    content, crlf = decoded
    if block.search.strip() == block.replace.strip() and block.search.strip():
        return fmt.MSG_NO_CHANGE
    found = locate(content, block.search.replace("\r\n", "\n"), block.replace.replace("\r\n", "\n"))
    if not isinstance(found, Match):
        return _no_match_reason(block, content, found.count, found.places)
    text = _splice(content, found)
    target.write_bytes((text.replace("\n", "\r\n") if crlf else text).encode("utf-8"))
    return None


def _apply_one(tree: _Worktree, block: EditBlock) -> str | None:
    try:
        target = resolve_in_worktree(tree.root, block.path)
    except EditPathError as err:
        return str(err)
    rel = target.relative_to(tree.root.resolve()).as_posix()
    if target.is_dir():
        return fmt.MSG_NOT_A_FILE.format(path=block.path)
    exists = target.is_file()
    if block.kind == "delete":
        if not exists:
            return fmt.MSG_DELETE_MISSING.format(path=block.path)
        tree.remember(rel, target)
        target.unlink()
        return None
    if block.kind == "create" or not block.search.strip():
        if exists and target.read_bytes().strip():
            return fmt.MSG_EXISTS.format(path=block.path)
        tree.remember(rel, target)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(block.replace, encoding="utf-8")
        return None
    if not exists:
        return fmt.MSG_MISSING_FILE.format(
            path=block.path, similar=_similar_files(tree.root.resolve(), rel)
        )
    tree.remember(rel, target)
    return _apply_replace(target, block)


def apply_edit_blocks(worktree: Path, blocks: list[EditBlock]) -> EditReport:
    """Apply ``blocks`` in order inside ``worktree``; compile changed .py files; report per block."""
    tree = _Worktree(Path(worktree))
    report = EditReport()
    applied_to: dict[str, list[EditBlock]] = {}
    for block in blocks:
        try:
            reason = _apply_one(tree, block)
        except OSError as err:  # a file where a folder should be, permissions, a full disk
            reason = fmt.MSG_OS_ERROR.format(
                path=block.path, error=f"{type(err).__name__}: {err.strerror or err}"
            )
        if reason is not None:
            report.failed.append((block, reason))
            continue
        report.applied.append(block)
        applied_to.setdefault(_rel(tree, block), []).append(block)
    for rel in list(applied_to):
        target = tree.root.resolve() / rel
        if not rel.endswith(".py") or not target.is_file() or not tree.states[rel].compiled_before:
            continue
        error = _compile_error(target.read_bytes(), rel)
        if error is None:
            continue
        tree.revert(rel, target)
        report.reverted.append((rel, error))
        for block in applied_to.pop(rel):
            report.applied.remove(block)
            report.failed.append((block, fmt.MSG_SYNTAX.format(path=rel, error=error)))
    report.changed_files = sorted(
        rel for rel, state in tree.states.items() if _current(tree, rel) != state.original
    )
    return report


def _rel(tree: _Worktree, block: EditBlock) -> str:
    return resolve_in_worktree(tree.root, block.path).relative_to(tree.root.resolve()).as_posix()


def _current(tree: _Worktree, rel: str) -> bytes | None:
    target = tree.root.resolve() / rel
    return target.read_bytes() if target.is_file() else None
