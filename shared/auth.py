"""Who is calling an HTTP function, and what they may do: the same answer as firestore.rules.

An HTTP function must never trust a uid in a body. It takes the caller's Firebase ID token
from ``Authorization: Bearer``, verifies it (Google's signature, audience = project,
issuer, expiry, subject), and then — exactly like the rules — treats the caller as a
member only if they signed in with a verified Google account and ``users/{uid}`` exists
with ``isActive == true``. The role comes from that document, never from token claims, so
an admin's change of role or deactivation takes effect on the next request.

Local runs and tests set ``FIREBASE_AUTH_EMULATOR_HOST``; then unsigned emulator tokens
are accepted, as the Firebase Admin SDK does with the Auth emulator, but audience, issuer,
expiry and subject are still checked.

Usage::

    caller = authenticate(request, get_db())      # AuthError(401/403) otherwise
    require_role(caller, "admin", "user")
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import time
from functools import lru_cache
from typing import Any, Literal

import flask
import google.auth.exceptions
import google.auth.transport.requests
import google.oauth2.id_token
import requests
from google.cloud import firestore
from pydantic import BaseModel, ConfigDict

from shared.config import get_settings

Role = Literal["admin", "user", "counselor", "manager"]
ROLES: tuple[Role, ...] = ("admin", "user", "counselor", "manager")
ISSUER_PREFIX = "https://securetoken.google.com/"
SIGN_IN_PROVIDER = "google.com"
# Tolerated difference between our clock and the token issuer's, for iat/exp.
CLOCK_SKEW_SECONDS = 10
EMULATOR_ENV = "FIREBASE_AUTH_EMULATOR_HOST"


class Caller(BaseModel):
    """A verified, active member."""

    model_config = ConfigDict(frozen=True)

    uid: str
    email: str | None
    role: Role
    clinic_id: str | None


class AuthError(Exception):
    """The request is not allowed. ``status``: 401 unauthenticated, 403 forbidden.

    The message is safe to show to the caller (it never echoes the token).
    """

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def emulated() -> bool:
    return bool(os.environ.get(EMULATOR_ENV))


@lru_cache(maxsize=1)
def cert_transport() -> google.auth.transport.requests.Request:
    """One transport (and connection pool) per process for fetching Google's certs."""
    return google.auth.transport.requests.Request(session=requests.Session())


def _b64decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def decode_unverified(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and claims of a JWT, without checking any signature."""
    parts = token.split(".")
    if len(parts) != 3:
        raise AuthError(401, "認証トークンの形式が正しくありません")
    try:
        header = json.loads(_b64decode(parts[0]))
        claims = json.loads(_b64decode(parts[1]))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise AuthError(401, "認証トークンの形式が正しくありません") from exc
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise AuthError(401, "認証トークンの形式が正しくありません")
    return header, claims


def check_claims(claims: dict[str, Any], project: str, *, check_audience: bool = True,
                 now: float | None = None) -> None:
    """The checks every Firebase token gets, signed or emulated: issuer, audience,
    subject, issued-at and expiry."""
    current = time.time() if now is None else now
    if claims.get("iss") != f"{ISSUER_PREFIX}{project}":
        raise AuthError(401, "認証トークンの発行元が正しくありません")
    if check_audience and claims.get("aud") != project:
        raise AuthError(401, "認証トークンの対象プロジェクトが正しくありません")
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub or len(sub) > 128:
        raise AuthError(401, "認証トークンに利用者IDがありません")
    exp, iat = claims.get("exp"), claims.get("iat")
    if not isinstance(exp, int | float) or not isinstance(iat, int | float):
        raise AuthError(401, "認証トークンに有効期限がありません")
    if exp + CLOCK_SKEW_SECONDS < current:
        raise AuthError(401, "認証トークンの有効期限が切れています。再度ログインしてください")
    if iat - CLOCK_SKEW_SECONDS > current:
        raise AuthError(401, "認証トークンの発行時刻が未来です")


def verify_id_token(token: str, project: str) -> dict[str, Any]:
    """Verify a Firebase ID token for ``project`` and return its claims.

    Raises ``AuthError(401)`` for any invalid token. A failure to fetch Google's
    certificates is not the caller's fault and propagates (the function answers 500).
    """
    if emulated():
        _, claims = decode_unverified(token)
        check_claims(claims, project)
        return claims
    header, _ = decode_unverified(token)
    # Refuse unsigned or oddly signed tokens before any network round trip.
    if header.get("alg") != "RS256" or not header.get("kid"):
        raise AuthError(401, "認証トークンの署名が正しくありません")
    try:
        verified = google.oauth2.id_token.verify_firebase_token(
            token, cert_transport(), audience=project,
            clock_skew_in_seconds=CLOCK_SKEW_SECONDS)
    except google.auth.exceptions.TransportError:
        raise
    except (ValueError, google.auth.exceptions.GoogleAuthError) as exc:
        raise AuthError(401, "認証トークンを検証できませんでした") from exc
    claims = dict(verified)
    check_claims(claims, project)
    return claims


def bearer_token(request: flask.Request) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError(401, "ログインが必要です")
    return token.strip()


def authenticate(request: flask.Request, db: firestore.Client) -> Caller:
    """The member behind this request, as firestore.rules would see them."""
    claims = verify_id_token(bearer_token(request), get_settings().project)
    firebase_claims = claims.get("firebase") or {}
    if claims.get("email_verified") is not True:
        raise AuthError(403, "メールアドレスが確認されていません")
    if not isinstance(firebase_claims, dict) or (
            firebase_claims.get("sign_in_provider") != SIGN_IN_PROVIDER):
        raise AuthError(403, "Googleアカウントでログインしてください")
    uid = str(claims["sub"])
    snapshot = db.collection("users").document(uid).get()
    profile: dict[str, Any] = (snapshot.to_dict() or {}) if snapshot.exists else {}
    if not snapshot.exists:
        raise AuthError(403, "利用者として登録されていません。管理者に連絡してください")
    if profile.get("isActive") is not True:
        raise AuthError(403, "この利用者は無効化されています。管理者に連絡してください")
    role = profile.get("role")
    if role not in ROLES:
        raise AuthError(403, "利用者の権限が設定されていません。管理者に連絡してください")
    clinic_id = profile.get("clinicId")
    email = claims.get("email")
    return Caller(
        uid=uid,
        email=email if isinstance(email, str) else None,
        role=role,
        clinic_id=clinic_id if isinstance(clinic_id, str) else None,
    )


def require_role(caller: Caller, *roles: str) -> None:
    """Raise ``AuthError(403)`` unless the caller has one of ``roles``."""
    if caller.role not in roles:
        raise AuthError(403, "この操作を行う権限がありません")
