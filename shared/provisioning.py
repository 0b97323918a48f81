"""Who becomes a member: ``users/{uid}`` provisioning at sign-in.

Choice: an **Identity Platform blocking function** (``beforeCreate`` + ``beforeSignIn``,
one HTTP function registered for both), not a trigger. Why:

- *No race.* It runs synchronously before Firebase issues the first ID token, so the
  profile exists when the web client first reads Firestore. A trigger runs after sign-in,
  so a new person's first requests are denied until it catches up — and gen-2 Cloud
  Functions have no Auth "user created" event anyway (only gen 1 / the Firebase SDK
  wrapper do), so a "trigger" would mean polling or a client-called endpoint.
- *Fail closed, early.* A stranger (unverified address, foreign domain, not Google) is
  refused before an account or a token exists, instead of holding a token the rules must
  keep refusing forever. Deactivated members are refused too.
- *One place for ``lastLoginAt``.* ``beforeSignIn`` sees every sign-in.
Costs, accepted: Identity Platform (the upgraded Firebase Auth; no charge at our volumes),
a 7-second deadline per call, and sign-in is unavailable while the function is failing
(the safe direction).

The request is ``POST {"data": {"jwt": <token>}}``; the token is signed by Google with
the same keys as ID tokens (issuer ``https://securetoken.google.com/<project>``, audience
the function's URL) and carries ``event_type``, ``sign_in_method``, ``iat`` and
``user_record``. Answer ``200 {}`` to let the sign-in proceed, or ``403 {"error":
{"status": "PERMISSION_DENIED", "message": ...}}`` to block it (the message is shown).

Rules of the decision (``decide``, pure):
- a verified Google address is required;
- an existing profile is never changed except ``lastLoginAt`` (the role an admin set is
  kept; nobody is promoted or reactivated here); an inactive profile is refused;
- without a profile, the address's domain must be in ``settings/auth.allowedDomains``
  (missing settings = no domain allowed); the new profile gets the least role, ``user``.

Idempotent and order-independent without a ledger: the profile is created only if absent
(in a transaction) and ``lastLoginAt`` only moves forward (max with the event's time), so
any number of deliveries in any order converge. A ledger would be wrong here: a repeated
blocking call must get the same answer again, not be skipped.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import urlsplit

import google.auth.exceptions
import google.oauth2.id_token
from google.cloud import firestore
from pydantic import BaseModel, ConfigDict, ValidationError

from shared import auth, structured_log
from shared.auth import AuthError
from shared.errors import record_error

logger = structured_log.get_logger("shared.provisioning")

LEAST_ROLE = "user"
USERS = "users"
AUTH_SETTINGS = "settings/auth"
# Google's x509 keys for securetoken tokens (ID tokens and blocking tokens alike).
CERTS_URL = ("https://www.googleapis.com/robot/v1/metadata/x509/"
             "securetoken@system.gserviceaccount.com")
RETRY_LATER = "ただいまログインできません。しばらくしてから再度お試しください"
EventType = Literal["beforeCreate", "beforeSignIn"]


# ---------------------------------------------------------------- the event


class UserRecord(BaseModel):
    """``user_record`` of a blocking token (the fields we use)."""

    model_config = ConfigDict(extra="ignore")

    uid: str
    email: str | None = None
    email_verified: bool = False
    display_name: str | None = None
    disabled: bool = False


class BlockingEvent(BaseModel):
    """The claims of an Identity Platform blocking token."""

    model_config = ConfigDict(extra="ignore")

    event_id: str
    event_type: EventType
    sign_in_method: str | None = None
    iat: int
    user_record: UserRecord

    @property
    def at(self) -> datetime:
        return datetime.fromtimestamp(self.iat, UTC)


# ---------------------------------------------------------------- the decision (pure)


@dataclass(frozen=True)
class Decision:
    """Let the sign-in through (with what to write), or refuse it with a reason."""

    allow: bool
    reason: str = ""  # shown to the person when refused
    create: dict[str, Any] | None = None  # the new profile
    last_login_at: datetime | None = None  # set if later than the stored one


def email_domain(email: str) -> str:
    return email.rsplit("@", 1)[-1].strip().lower()


def decide(event: BlockingEvent, allowed_domains: list[str],
           profile: dict[str, Any] | None) -> Decision:
    """What to do with one sign-in, given the settings and the stored profile (if any)."""
    user = event.user_record
    if user.disabled:
        return Decision(False, "このアカウントは無効です")
    if event.sign_in_method != auth.SIGN_IN_PROVIDER:
        return Decision(False, "Googleアカウントでログインしてください")
    if not user.email or not user.email_verified:
        return Decision(False, "確認済みのメールアドレスが必要です")
    if profile is not None:
        if profile.get("isActive") is not True:
            return Decision(False, "この利用者は無効化されています。管理者に連絡してください")
        return Decision(True, last_login_at=event.at)
    allowed = {d.strip().lower() for d in allowed_domains if isinstance(d, str)}
    if email_domain(user.email) not in allowed:
        return Decision(False, "このドメインのアカウントは利用できません")
    return Decision(True, create={
        "email": user.email,
        "displayName": user.display_name or user.email.split("@", 1)[0],
        "role": LEAST_ROLE,
        "isActive": True,
        "createdAt": event.at,
        "lastLoginAt": event.at,
        "provisionedBy": "provision_user",
    }, last_login_at=event.at)


# ---------------------------------------------------------------- Firestore


def allowed_domains(db: firestore.Client) -> list[str]:
    snapshot = db.document(AUTH_SETTINGS).get()
    value = (snapshot.to_dict() or {}).get("allowedDomains") if snapshot.exists else None
    return [d for d in value if isinstance(d, str)] if isinstance(value, list) else []


def provision(db: firestore.Client, event: BlockingEvent) -> Decision:
    """Decide and apply, in one transaction over ``users/{uid}``."""
    domains = allowed_domains(db)
    ref = db.collection(USERS).document(event.user_record.uid)
    transaction = db.transaction()

    @firestore.transactional
    def apply(tx: firestore.Transaction) -> Decision:
        snapshot = ref.get(transaction=tx)
        profile = (snapshot.to_dict() or {}) if snapshot.exists else None
        decision = decide(event, domains, profile)
        if not decision.allow:
            return decision
        if decision.create is not None:
            tx.create(ref, decision.create)
        elif profile is not None and decision.last_login_at is not None:
            stored = profile.get("lastLoginAt")
            if not isinstance(stored, datetime) or stored < decision.last_login_at:
                tx.update(ref, {"lastLoginAt": decision.last_login_at})
        return decision

    result: Decision = apply(transaction)
    return result


# ---------------------------------------------------------------- the blocking token

_CLOUDFUNCTIONS_HOST = r"[a-z]+(?:-[a-z]+)*\d+-{project}\.cloudfunctions\.net"


def audience_is_our_function(audience: Any, project: str) -> bool:
    """A blocking token's audience is the function's URL: ``https://<region>-<project>
    .cloudfunctions.net/...`` or a ``*.run.app`` URL (the issuer ties it to the project)."""
    if not isinstance(audience, str):
        return False
    parts = urlsplit(audience)
    host = parts.hostname or ""
    if parts.scheme != "https":
        return False
    pattern = _CLOUDFUNCTIONS_HOST.format(project=re.escape(project))
    return host.endswith(".run.app") or re.fullmatch(pattern, host) is not None


def verify_blocking_token(token: str, project: str) -> BlockingEvent:
    """Verify the token Identity Platform sends and parse it. ``AuthError(401)`` if bad."""
    if auth.emulated():
        _, claims = auth.decode_unverified(token)
        auth.check_claims(claims, project, check_audience=False)
        if not isinstance(claims.get("aud"), str) or not claims["aud"]:
            raise AuthError(401, "認証トークンの対象が正しくありません")
    else:
        header, _ = auth.decode_unverified(token)
        if header.get("alg") != "RS256" or not header.get("kid"):
            raise AuthError(401, "認証トークンの署名が正しくありません")
        try:
            verified = google.oauth2.id_token.verify_token(
                token, auth.cert_transport(), audience=None, certs_url=CERTS_URL,
                clock_skew_in_seconds=auth.CLOCK_SKEW_SECONDS)
        except google.auth.exceptions.TransportError:
            raise
        except (ValueError, google.auth.exceptions.GoogleAuthError) as exc:
            raise AuthError(401, "認証トークンを検証できませんでした") from exc
        claims = dict(verified)
        auth.check_claims(claims, project, check_audience=False)
        if not audience_is_our_function(claims.get("aud"), project):
            raise AuthError(401, "認証トークンの対象が正しくありません")
    try:
        return BlockingEvent.model_validate(claims)
    except ValidationError as exc:
        raise AuthError(401, "認証イベントの内容が正しくありません") from exc


# ---------------------------------------------------------------- the HTTP exchange


def _record_failure(db: firestore.Client, event: BlockingEvent, exc: Exception) -> None:
    """An ``errors`` entry per uid (deduplicated), if Firestore can still take it."""
    try:
        record_error(db, error_type="システムエラー", file_name=f"users/{event.user_record.uid}",
                     details=f"provision_user {event.event_type} failed: {exc!r}"[:1000],
                     dedupe_key=f"provision_user/{event.user_record.uid}")
    except Exception as second:  # the original failure is already logged
        structured_log.log(logger, logging.ERROR, "could not record the failure",
                           error=repr(second))


def error_body(status: str, message: str) -> dict[str, Any]:
    return {"error": {"status": status, "message": message}}


def handle_blocking_request(body: Any, db: firestore.Client,
                            project: str) -> tuple[dict[str, Any], int]:
    """The whole exchange, without Flask: JSON body in, (JSON body, HTTP status) out."""
    token = body.get("data", {}).get("jwt") if isinstance(body, dict) else None
    if not isinstance(token, str) or not token:
        structured_log.log(logger, logging.WARNING, "blocking request without a token")
        return error_body("INVALID_ARGUMENT", "Bad Request"), 400
    try:
        event = verify_blocking_token(token, project)
    except AuthError as exc:
        # Not an errors entry: anyone can post garbage to a public URL.
        structured_log.log(logger, logging.WARNING, "blocking token rejected",
                           reason=exc.message)
        return error_body("UNAUTHENTICATED", exc.message), 401
    user = event.user_record
    with structured_log.bind(eventId=event.event_id, uid=user.uid,
                             blockingEvent=event.event_type):
        try:
            decision = provision(db, event)
        except Exception as exc:
            # Fail closed: the sign-in is blocked and may simply be tried again.
            structured_log.log(logger, logging.ERROR, "provisioning failed", error=repr(exc))
            _record_failure(db, event, exc)
            return error_body("INTERNAL", RETRY_LATER), 500
        if not decision.allow:
            structured_log.log(logger, logging.INFO, "sign-in refused", reason=decision.reason,
                               emailDomain=email_domain(user.email or ""))
            return error_body("PERMISSION_DENIED", decision.reason), 403
        structured_log.log(logger, logging.INFO, "sign-in allowed",
                           created=decision.create is not None)
        return {}, 200
