"""API keys: random, shown once, stored as SHA-256.

A key has 256 bits of entropy, so a fast hash is enough (no dictionary to attack) and lets every
request be authenticated by one indexed lookup; slow password hashes are for human secrets.
"""

from __future__ import annotations

import hashlib
import secrets

KEY_PREFIX = "wa_"


def new_api_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_api_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def admin_token_ok(given: str, expected: str) -> bool:
    return secrets.compare_digest(given.encode(), expected.encode())
