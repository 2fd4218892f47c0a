"""What each GitHub event we act on must look like, checked before it is acted on.

GitHub's payloads are large; the receiver reads only a few fields of each event. A
delivery whose fields have the wrong type (a string where an object belongs, a label that
is not an object) is a malformed request: 400 with the path of the first bad field, not a
crash deep in the event handling.
"""

from __future__ import annotations

from typing import Any

OBJECT, LIST, TEXT, INTEGER = dict, list, str, int
# event -> (path, type, required): the fields the receiver reads; "[]" walks a list's items
SHAPES: dict[str, list[tuple[str, type, bool]]] = {
    "issues": [("issue", OBJECT, True), ("issue.labels", LIST, False), ("issue.labels[]", OBJECT, False),
               ("issue.labels[].name", TEXT, False)],
    "check_suite": [("check_suite", OBJECT, True), ("check_suite.head_branch", TEXT, False),
                    ("check_suite.conclusion", TEXT, False), ("check_suite.head_sha", TEXT, False),
                    ("check_suite.url", TEXT, False), ("repository", OBJECT, False),
                    ("repository.default_branch", TEXT, False)],
    "pull_request_review": [("review", OBJECT, True), ("review.state", TEXT, False), ("review.user", OBJECT, False),
                            ("review.user.login", TEXT, False), ("review.author_association", TEXT, False),
                            ("pull_request", OBJECT, True), ("pull_request.body", TEXT, False)],
}
_NAMES = {dict: "an object", list: "a list", str: "a string", int: "a number"}


def _values(payload: Any, path: str) -> list[tuple[str, Any]]:
    """(concrete path, value) for every value at ``path`` (missing ones and nulls left out)."""
    found: list[tuple[str, Any]] = [("", payload)]
    for part in path.split("."):
        many = part.endswith("[]")
        key = part.removesuffix("[]")
        step: list[tuple[str, Any]] = []
        for where, value in found:
            if not isinstance(value, dict) or value.get(key) is None:
                continue
            here = f"{where}.{key}".lstrip(".")
            inner = value[key]
            if many and isinstance(inner, list):
                step += [(f"{here}[{i}]", item) for i, item in enumerate(inner)]
            elif not many:
                step.append((here, inner))
        found = step
    return found


def payload_problem(event: str, action: str, payload: Any) -> str:
    """Why this payload cannot be acted on ('' when its fields are as GitHub sends them)."""
    if not isinstance(payload, dict):
        return f"the body is JSON {type(payload).__name__}, not an object"
    if "action" in payload and not isinstance(payload["action"], str):
        return "'action' must be a string"
    for path, kind, required in SHAPES.get(event, []):
        values = _values(payload, path)
        if required and not values and "[]" not in path:
            return f"{event} event without '{path}'"
        for where, value in values:
            if not isinstance(value, kind) or isinstance(value, bool):
                return f"'{where}' must be {_NAMES[kind]}, not {type(value).__name__}"
    return ""
