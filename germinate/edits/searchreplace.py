"""The search/replace edit format: its prompt, its parser and its failure messages, side by side.

As in Aider's ``editblock`` format, the model names a file and quotes the lines to change
(SEARCH) and what they become (REPLACE). An empty SEARCH creates a file; a DELETE block
removes one. The parser forgives the usual quirks of model output (code fences around or
inside blocks, CRLF, decorated file names, missing final newline) and refuses anything it
cannot read with a message that says which block is broken and what to send instead.
"""

from __future__ import annotations

import hashlib
import re

from germinate.errors import GerminateError
from germinate.models import EditBlock

EDIT_FORMAT = """\
# How to edit files

Reply with edit blocks. Each block names ONE file on its own line, then:

path/to/file.py
<<<<<<< SEARCH
the existing lines to change, copied exactly (indentation, comments, docstrings)
=======
the lines that replace them
>>>>>>> REPLACE

Rules:
- The file path is relative to the repository root, alone on the line before the block.
- SEARCH must match exactly one place in the file. Quote only the lines that change plus a
  few unchanged lines around them so the match is unique. Never elide lines with "...".
- Several changes to one file: several small blocks, in file order.
- To create a file: an empty SEARCH section, the whole new file in REPLACE.
- To delete a file:

path/to/obsolete.py
<<<<<<< DELETE
>>>>>>> DELETE

- Do not send unified diffs or whole files without blocks. Blocks that were applied are
  kept: after a failure, resend only the blocks you are told failed.

Example:

pkg/greet.py
<<<<<<< SEARCH
def greet(name):
    return "Hello " + name
=======
def greet(name: str) -> str:
    return f"Hello, {name}!"
>>>>>>> REPLACE

tests/test_greet.py
<<<<<<< SEARCH
=======
from pkg.greet import greet


def test_greet() -> None:
    assert greet("Ada") == "Hello, Ada!"
>>>>>>> REPLACE
"""

# --- failure messages: what went wrong and what to resend ----------------------------------

MSG_NO_MATCH = "SEARCH did not match any lines in {path}."
MSG_AMBIGUOUS = (
    "SEARCH matches {count} places in {path} (lines {places}). Add unchanged lines around the "
    "change so that it matches exactly one place."
)
MSG_NEAREST = "The closest lines in {path} ({span}, {percent}% similar) are:"
MSG_EXACT_HINT = (
    "SEARCH must copy existing lines exactly: whitespace, comments and docstrings included."
)
MSG_ELLIPSIS = 'SEARCH contains a "..." line: lines cannot be elided; quote them all.'
MSG_ALREADY = (
    "The REPLACE lines are already in {path}: this change looks applied already. "
    "Do not resend this block unless you meant a different change."
)
MSG_MISSING_FILE = (
    "{path} does not exist. To create it, send a block with an empty SEARCH section.{similar}"
)
MSG_SIMILAR_FILES = " Did you mean: {names}?"
MSG_EXISTS = (
    "{path} already exists, so an empty SEARCH cannot create it. Quote the lines to change "
    "in SEARCH; to replace the whole file, delete it with a DELETE block first."
)
MSG_DELETE_MISSING = "{path} does not exist, so it cannot be deleted."
MSG_NOT_A_FILE = "{path} is a directory, not a file; edit blocks work on single files."
MSG_NOT_TEXT = "{path} is not UTF-8 text; it cannot be edited with edit blocks."
MSG_OS_ERROR = (
    "{path} could not be written ({error}). Check the path; send the block again with a valid one."
)
MSG_NO_CHANGE = "SEARCH and REPLACE are identical: this block changes nothing."
MSG_BAD_PATH = (
    "Refused path {path!r}: {why}. Use a path relative to the repository root, inside it."
)
MSG_SYNTAX = (
    "After this reply's blocks, {path} no longer compiles: {error}. Every change to {path} from "
    "this reply was undone; resend corrected versions of its blocks."
)

PARSE_NO_FILENAME = (
    "Edit block {n} has no file name. Put the file path alone on the line just before "
    "<<<<<<< SEARCH (or before the code fence that holds the block)."
)
PARSE_NO_DIVIDER = (
    "Edit block {n} ({path}) has no ======= line between SEARCH and REPLACE; the reply may be "
    "truncated. Resend the whole block."
)
PARSE_NO_TAIL = (
    "Edit block {n} ({path}) does not end with >>>>>>> REPLACE; the reply may be truncated. "
    "Resend the whole block."
)
PARSE_NESTED = (
    "Edit block {n} ({path}) opens a new <<<<<<< SEARCH before the previous block was closed "
    "with >>>>>>> REPLACE."
)
PARSE_DIFF = (
    "Your reply contains a unified diff (--- / +++ / @@ lines). Diffs are not applied: send "
    "SEARCH/REPLACE edit blocks instead."
)
PARSE_NO_BLOCKS = (
    "Your reply contains code but no edit blocks, so nothing was changed. Send each change "
    "as a SEARCH/REPLACE edit block naming its file."
)
PARSE_SUFFIX = (
    "\nNothing from this reply was applied. Resend all of its edit blocks in the format:\n\n"
)


class EditParseError(GerminateError):
    """The model's reply could not be read as edit blocks; the message is meant for the model."""

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(str(self).encode()).hexdigest()[:16]


# --- the parser ------------------------------------------------------------------------------

HEAD = re.compile(
    r"^\s*<{5,9}\s*(SEARCH|ORIGINAL|DELETE)(?:\s*[:\s]\s*(\S+?))?\s*`*\s*$", re.IGNORECASE
)
DIVIDER = re.compile(r"^\s*={5,9}\s*$")
TAIL = re.compile(r"^\s*>{5,9}\s*(REPLACE|UPDATED|DELETE)?\s*`*\s*$", re.IGNORECASE)
FENCE = re.compile(r"^\s*(```|~~~)")
LABEL = re.compile(
    r"^(?:file(?:name)?|path|new file|create|update|edit|modify)\s*[:=]\s*", re.IGNORECASE
)
LIST_MARKER = re.compile(r"^(?:[-*+]|\d+[.)])\s+")
PATHLIKE = re.compile(r"^[\w.\-/\\@+~]+$")
BACKTICKED = re.compile(r"`([^`\s]+)`")
DIFF_LINE = re.compile(r"^(--- a/|\+\+\+ b/|@@ -\d)", re.MULTILINE)
EXTENSIONLESS = {"Makefile", "Dockerfile", "LICENSE", "Procfile", "Justfile"}


def _looks_like_path(name: str) -> bool:
    return bool(PATHLIKE.match(name)) and (
        "/" in name or "." in name.strip(".") or name in EXTENSIONLESS
    )


def clean_filename(line: str) -> str | None:
    """The file path a line names, tolerating `backticks`, **bold**, '# headings', '- ' and 'File:'."""
    text = line.strip()
    if not text or FENCE.match(text):
        fence_info = text.lstrip("`~").split()
        # ```python pkg/a.py  or  ```pkg/a.py
        candidates = [c.split("=", 1)[-1] for c in fence_info if "/" in c or "." in c]
        return candidates[-1].strip("\"'") if len(candidates) == 1 else None
    text = LIST_MARKER.sub("", text.lstrip("#").strip()).rstrip(":").strip()
    text = LABEL.sub("", text).strip("*`'\" ").rstrip(":").replace("\\_", "_")
    if _looks_like_path(text):
        return text.replace("\\", "/")
    quoted = [q for q in BACKTICKED.findall(line) if _looks_like_path(q)]
    return quoted[0] if len(set(quoted)) == 1 else None


def _find_filename(lines: list[str], head: int, floor: int) -> str | None:
    """Look back from a block's head, past fences and blank lines, for the line naming its file."""
    seen = 0
    for i in range(head - 1, floor - 1, -1):
        text = lines[i].strip()
        if not text:
            continue
        name = clean_filename(text)
        if name:
            return name
        seen += 1
        if not FENCE.match(text) or seen >= 3:
            return None
    return None


def _section(lines: list[str]) -> str:
    """A SEARCH or REPLACE section as text; a fence wrapping the whole section is removed."""
    if len(lines) >= 2 and FENCE.match(lines[0]) and FENCE.match(lines[-1]):
        lines = lines[1:-1]
    text = "".join(line if line.endswith("\n") else line + "\n" for line in lines)
    return text


def _new_file_text(text: str) -> str:
    text = text.lstrip("\n")
    return text.rstrip("\n") + "\n" if text.strip() else ""


def _read_until(lines: list[str], start: int, stop: re.Pattern[str]) -> int:
    """Index of the first line from ``start`` matching ``stop`` (or HEAD), or len(lines)."""
    i = start
    while i < len(lines) and not stop.match(lines[i]) and not HEAD.match(lines[i]):
        i += 1
    return i


def _fail(template: str, **kw: object) -> EditParseError:
    return EditParseError(template.format(**kw) + PARSE_SUFFIX + EDIT_FORMAT)


def parse_edit_blocks(text: str) -> list[EditBlock]:
    """Read a model reply as edit blocks. Prose-only replies give []; broken blocks raise."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.splitlines(keepends=True)
    blocks: list[EditBlock] = []
    current: str | None = None
    floor = i = 0
    while i < len(lines):
        head = HEAD.match(lines[i])
        if not head:
            i += 1
            continue
        n = len(blocks) + 1
        named = clean_filename(head.group(2)) if head.group(2) else None  # <<<<<<< SEARCH pkg/a.py
        name = named or _find_filename(lines, i, floor) or current
        if name is None:
            raise _fail(PARSE_NO_FILENAME, n=n)
        current = name
        if head.group(1).upper() == "DELETE":
            blocks.append(EditBlock(path=name, kind="delete"))
            i += 1
            if i < len(lines) and TAIL.match(lines[i]):
                i += 1
            floor = i
            continue
        mid = _read_until(lines, i + 1, DIVIDER)
        if mid >= len(lines):
            raise _fail(PARSE_NO_DIVIDER, n=n, path=name)
        if HEAD.match(lines[mid]):
            raise _fail(PARSE_NESTED, n=n, path=name)
        end = _read_until(lines, mid + 1, TAIL)
        if end >= len(lines):
            raise _fail(PARSE_NO_TAIL, n=n, path=name)
        if HEAD.match(lines[end]):
            raise _fail(PARSE_NESTED, n=n, path=name)
        search, replace = _section(lines[i + 1 : mid]), _section(lines[mid + 1 : end])
        if search.strip():
            blocks.append(EditBlock(path=name, kind="replace", search=search, replace=replace))
        else:
            blocks.append(EditBlock(path=name, kind="create", replace=_new_file_text(replace)))
        i = floor = end + 1
    if not blocks and text.strip():
        if DIFF_LINE.search(text):
            raise _fail(PARSE_DIFF)
        if any(FENCE.match(line) for line in lines):
            raise _fail(PARSE_NO_BLOCKS)
    return blocks


# --- rendering blocks back to the model, and spotting repeats ------------------------------


def render_block(block: EditBlock) -> str:
    """The block as the model should have written it (quoted in failure messages)."""
    if block.kind == "delete":
        return f"{block.path}\n<<<<<<< DELETE\n>>>>>>> DELETE\n"
    return f"{block.path}\n<<<<<<< SEARCH\n{block.search}=======\n{block.replace}>>>>>>> REPLACE\n"


def block_fingerprint(block: EditBlock) -> str:
    """A stable hash of what a block asks for, blind to trailing whitespace and CRLF.

    The implementer loop keeps the fingerprints of failed blocks: a model that sends the
    same failed block again is not learning from the feedback, and is stopped early.
    """

    def norm(text: str) -> str:
        return "\n".join(line.rstrip() for line in text.strip("\n").splitlines())

    key = "\x00".join((block.path.strip(), block.kind, norm(block.search), norm(block.replace)))
    return hashlib.sha256(key.encode()).hexdigest()[:16]
