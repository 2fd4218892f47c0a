"""Secrets in added lines: known token shapes, credential files, and high-entropy strings.

Known token shapes are searched on the whole added line, comments included. The entropy
heuristic looks only at code: not at ``#`` comments, and not at URLs (a commit-hash link is
not a token). Only the seed can exempt something: ``allow_patterns`` (regular expressions
matched against the line) and ``allow_paths`` (globs, for test fixtures: there only the known
token shapes, private keys and credential files still block). A comment in the code such as
``# not a secret`` changes nothing. Evidence never repeats the secret, only its first chars.
"""

from __future__ import annotations

import math
import posixpath
import re
from collections import Counter

from germinate.errors import ConfigError
from germinate.globs import glob_match
from germinate.models import GateResult
from germinate.policy.context import GateContext, gate

SECRETS = "secrets"

TOKEN_SHAPES: tuple[tuple[str, re.Pattern[str]], ...] = tuple((name, re.compile(rx)) for name, rx in (
    ("AWS access key id", r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[0-9A-Z]{16}\b"),
    ("AWS secret access key", r"(?i)aws.{0,20}(?:secret|key).{0,8}[=:]\s*['\"]?[A-Za-z0-9/+=]{40}\b"),
    ("GitHub token", r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,}\b"),
    ("GitHub fine-grained token", r"\bgithub_pat_[A-Za-z0-9_]{22,}"),
    ("GitLab token", r"\bglpat-[A-Za-z0-9_-]{20,}"),
    ("Slack token", r"\bxox[abposr]-[A-Za-z0-9-]{10,}"),
    ("Slack webhook", r"hooks\.slack\.com/services/T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]+"),
    ("Stripe key", r"\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}"),
    ("Google API key", r"\bAIza[0-9A-Za-z_-]{35}\b"),
    ("OpenAI/Anthropic key", r"\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,}"),
    ("private key", r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"),
    ("JSON web token", r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"),
    ("password in a URL", r"\b[a-z][a-z0-9+.-]*://[^/\s:@'\"]+:(?!\$|\{|<)[^/\s:@'\"]{3,}@"),
    ("hard-coded credential", r"(?i)\b[\w.-]*(?:password|passwd|pwd|secret|api_?key|access_?key|"
                              r"auth_?token|private_?key)\w*['\"]?\s*[:=]\s*['\"]"
                              r"(?=[^'\"\s]*[0-9!#%&*+/?@^~-])[^'\"\s{}<>$]{8,}['\"]"),
))
CREDENTIAL_FILES = re.compile(r"(^|/)(\.env(\.[\w-]+)?|id_(rsa|dsa|ecdsa|ed25519)|\.pypirc|\.netrc|"
                              r"credentials\.json|[^/]*\.(pem|key|p12|pfx|keystore|jks))$")
_EXAMPLE_ENV = re.compile(r"\.env\.(example|sample|template|dist)$")
_CANDIDATE = re.compile(r"[A-Za-z0-9+/=_-]{20,}")
_URL = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s'\"<>()]+")
# Files whose comments start with '#': the entropy heuristic skips the comment part.
_HASH_COMMENTS = re.compile(r"\.(py|pyi|pyx|toml|cfg|ini|ya?ml|sh|txt|in|conf)$|(^|/)(Makefile|Dockerfile)$")
# Heuristic shapes a test fixture may legitimately hold (``allow_paths``); the rest always block.
_HEURISTIC = frozenset({"hard-coded credential", "password in a URL"})
_LOCKFILES = re.compile(r"(\.lock|package-lock\.json|pnpm-lock\.yaml|\.sum)$")


def shannon_entropy(text: str) -> float:
    """Bits per character."""
    counts = Counter(text)
    return -sum(c / len(text) * math.log2(c / len(text)) for c in counts.values()) if text else 0.0


def _high_entropy(token: str, threshold: float) -> bool:
    token = token.strip("=")
    if not (any(c.islower() for c in token) and any(c.isupper() for c in token)
            and any(c.isdigit() for c in token)):
        return False  # identifiers, words, lowercase hex digests
    return shannon_entropy(token) >= threshold


def _redact(text: str) -> str:
    return text[:4] + "…" if len(text) > 4 else "…"


def code_part(line: str) -> str:
    """``line`` up to a ``#`` comment that is not inside a quoted string."""
    quote = ""
    for i, char in enumerate(line):
        if quote:
            if char == quote and line[i - 1] != "\\":
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "#":
            return line[:i]
    return line


def scan_line(line: str, threshold: float, allow: list[re.Pattern[str]], *, entropy: bool = True,
              comments: bool = False, heuristics: bool = True) -> str | None:
    """The kind of secret on ``line`` (with a redacted excerpt), or None.

    ``comments``: the line may end in a ``#`` comment, which the entropy check skips;
    ``heuristics=False`` (a fixture path) keeps only the known token shapes.
    """
    if any(p.search(line) for p in allow):
        return None
    for name, pattern in TOKEN_SHAPES:
        if not heuristics and name in _HEURISTIC:
            continue
        match = pattern.search(line)
        if match:
            return f"{name} ({_redact(match.group(0))})"
    if entropy and heuristics:
        code = _URL.sub(" ", code_part(line) if comments else line)
        for token in _CANDIDATE.findall(code):
            if _high_entropy(token, threshold):
                return f"high-entropy string, {shannon_entropy(token):.2f} bits/char ({_redact(token)})"
    return None


def check_secrets(ctx: GateContext) -> GateResult:
    policy = ctx.seed.quality_gates.security.secrets
    if not policy.scan:
        return gate(SECRETS, ok="secret scanning is off (quality_gates.security.secrets.scan)")
    try:
        allow = [re.compile(p) for p in policy.allow_patterns]
    except re.error as exc:
        raise ConfigError(f"seed: quality_gates.security.secrets.allow_patterns has a bad regular "
                          f"expression ({exc}). Fix: correct it in seed.yaml") from None
    block = []
    for change in ctx.changes.files:
        if change.status == "deleted":
            continue
        name = posixpath.basename(change.path)
        if CREDENTIAL_FILES.search(change.path) and not _EXAMPLE_ENV.search(name):
            block.append(f"{change.path}: adds a credentials file")
        entropy = not _LOCKFILES.search(name)
        comments = bool(_HASH_COMMENTS.search(change.path))
        fixture = any(glob_match(change.path, g) for g in policy.allow_paths)
        for number, text in change.added_lines:
            found = scan_line(text, policy.entropy_threshold, allow, entropy=entropy, comments=comments,
                              heuristics=not fixture)
            if found:
                block.append(f"{change.path}:{number}: {found}")
    return gate(SECRETS, ok="no secrets in added lines", block=block, what="possible secret")
