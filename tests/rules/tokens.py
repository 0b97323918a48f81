"""Unsigned Firebase ID tokens, as the Auth emulator issues them.

The Firestore emulator (and ``shared.auth`` when ``FIREBASE_AUTH_EMULATOR_HOST`` is set)
accepts a JWT with an ``{"alg": "none"}`` header and an empty signature; ``sub`` becomes
``request.auth.uid`` and the other claims become ``request.auth.token``.
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any


def _b64url(value: dict[str, Any]) -> str:
    raw = json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def id_token_claims(
    project: str,
    uid: str,
    email: str,
    *,
    email_verified: bool = True,
    provider: str = "google.com",
    issued_at: int | None = None,
    lifetime_seconds: int = 3600,
) -> dict[str, Any]:
    """The claims of a Firebase ID token for a Google sign-in."""
    now = int(time.time()) if issued_at is None else issued_at
    return {
        "iss": f"https://securetoken.google.com/{project}",
        "aud": project,
        "auth_time": now,
        "user_id": uid,
        "sub": uid,
        "iat": now,
        "exp": now + lifetime_seconds,
        "email": email,
        "email_verified": email_verified,
        "firebase": {
            "identities": {"email": [email]},
            "sign_in_provider": provider,
        },
    }


def unsigned_token(claims: dict[str, Any]) -> str:
    """``header.payload.`` with an empty signature."""
    return f"{_b64url({'alg': 'none', 'typ': 'JWT'})}.{_b64url(claims)}."
