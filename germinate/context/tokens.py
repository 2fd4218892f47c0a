"""Token counts for prompts, offline.

tiktoken would download its encodings; litellm ships a copy of cl100k_base, which we read
directly (hash-checked). Without it, the estimate is the usual ~4 characters per token.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import math
from functools import lru_cache
from pathlib import Path
from typing import Any

_CL100K_FILE = "9b5ad71b2ce5302211f9c61530b329a4922fc6a4"  # sha1 of the encoding's download URL
_CL100K_SHA256 = "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"
_CL100K_PATTERN = (
    r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+"""
    r"""|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""
)
CHARS_PER_TOKEN = 4


@lru_cache(maxsize=1)
def encoder() -> Any:
    """tiktoken's cl100k_base built from litellm's bundled file, or None when unavailable."""
    spec = importlib.util.find_spec("litellm")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations)))
    try:
        import tiktoken

        data = (folder / "litellm_core_utils" / "tokenizers" / _CL100K_FILE).read_bytes()
    except (ImportError, OSError):
        return None
    if hashlib.sha256(data).hexdigest() != _CL100K_SHA256:
        return None
    ranks = {
        base64.b64decode(tok): int(rank)
        for tok, rank in (line.split() for line in data.splitlines() if line)
    }
    return tiktoken.Encoding(
        "cl100k_base", pat_str=_CL100K_PATTERN, mergeable_ranks=ranks, special_tokens={}
    )


def count_tokens(text: str) -> int:
    """Tokens in ``text``: cl100k_base when available offline, else ~4 characters per token."""
    enc = encoder()
    if enc is None:
        return math.ceil(len(text) / CHARS_PER_TOKEN)
    return len(enc.encode_ordinary(text))
