"""API tokens: HMAC-signed, compared in constant time."""

from __future__ import annotations

import hashlib
import hmac


def sign(secret: bytes, user: str) -> str:
    return hmac.new(secret, user.encode(), hashlib.sha256).hexdigest()


def verify(secret: bytes, user: str, token: str) -> bool:
    return hmac.compare_digest(sign(secret, user), token)
