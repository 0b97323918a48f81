"""provision_user, the blocking function, through functions-framework's test client.

Requests are what Identity Platform posts: ``{"data": {"jwt": ...}}`` with the claims of a
blocking token (here unsigned, as the Auth emulator makes them; the function runs with
``FIREBASE_AUTH_EMULATOR_HOST`` set). Every event is delivered twice, and sign-ins out of
order, and the outcome must not change.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from flask.testing import FlaskClient
from google.cloud import firestore

from shared.localcloud.emulators import Emulators
from tests.functions_client import function_client
from tests.rules.tokens import unsigned_token

FUNCTION_URL = "https://asia-northeast1-{project}.cloudfunctions.net/provision-user"
ALLOWED = ["sakura-kaigo.jp", "hikari-clinic.jp"]


@pytest.fixture
def client(emulators: Emulators, monkeypatch: pytest.MonkeyPatch) -> FlaskClient:
    monkeypatch.setenv("FIREBASE_AUTH_EMULATOR_HOST", "127.0.0.1:9099")
    return function_client("provision_user", "before_auth", signature="http")


@pytest.fixture
def db(firestore_client: firestore.Client) -> firestore.Client:
    firestore_client.document("settings/auth").set({"allowedDomains": ALLOWED})
    return firestore_client


def blocking_claims(project: str, *, uid: str, email: str, event_type: str = "beforeCreate",
                    email_verified: bool = True, sign_in_method: str = "google.com",
                    display_name: str = "鈴木 花子", at: int | None = None) -> dict[str, Any]:
    """The claims Identity Platform puts in a blocking token for a Google sign-in."""
    now = int(time.time()) if at is None else at
    created_ms = str((now - 86400) * 1000 if event_type == "beforeSignIn" else now * 1000)
    return {
        "iss": f"https://securetoken.google.com/{project}",
        "aud": FUNCTION_URL.format(project=project),
        "iat": now,
        "exp": now + 3600,
        "sub": uid,
        "event_id": uuid.uuid4().hex,
        "event_type": event_type,
        "ip_address": "203.0.113.24",
        "user_agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/131.0",
        "locale": "ja",
        "sign_in_method": sign_in_method,
        "user_record": {
            "uid": uid,
            "email": email,
            "email_verified": email_verified,
            "display_name": display_name,
            "photo_url": "https://lh3.googleusercontent.com/a/photo",
            "metadata": {"creation_time": created_ms},
            "provider_data": [{"provider_id": sign_in_method, "uid": "10934857362518",
                               "email": email, "display_name": display_name}],
        },
        "oauth_id_token": "google-oauth-id-token",
    }


def post(client: FlaskClient, claims: dict[str, Any]) -> tuple[int, Any]:
    response = client.post("/", json={"data": {"jwt": unsigned_token(claims)}})
    return response.status_code, response.get_json()


def post_twice(client: FlaskClient, claims: dict[str, Any]) -> tuple[int, Any]:
    first = post(client, claims)
    second = post(client, claims)
    assert first == second, "a repeated delivery must get the same answer"
    return first


def profile(db: firestore.Client, uid: str) -> dict[str, Any] | None:
    snapshot = db.document(f"users/{uid}").get()
    return snapshot.to_dict() if snapshot.exists else None


def test_a_new_member_of_an_allowed_domain_gets_the_least_role(
        client: FlaskClient, db: firestore.Client, emulators: Emulators) -> None:
    at = int(time.time())
    claims = blocking_claims(emulators.project, uid="u-suzuki", at=at,
                             email="suzuki.hanako@sakura-kaigo.jp")
    assert post_twice(client, claims) == (200, {})
    stored = profile(db, "u-suzuki")
    assert stored is not None
    assert stored["role"] == "user" and stored["isActive"] is True
    assert stored["email"] == "suzuki.hanako@sakura-kaigo.jp"
    assert stored["displayName"] == "鈴木 花子"
    assert stored["createdAt"] == stored["lastLoginAt"] == datetime.fromtimestamp(at, UTC)


def test_domain_matching_ignores_case(client: FlaskClient, db: firestore.Client,
                                      emulators: Emulators) -> None:
    claims = blocking_claims(emulators.project, uid="u-ito", email="Ito.Sora@Hikari-Clinic.JP")
    assert post_twice(client, claims) == (200, {})
    assert profile(db, "u-ito") is not None


def test_an_existing_role_is_never_overwritten_and_last_login_only_moves_forward(
        client: FlaskClient, db: firestore.Client, emulators: Emulators) -> None:
    joined = datetime(2025, 4, 1, tzinfo=UTC)
    db.document("users/u-kato").set({
        "email": "kato.makoto@sakura-kaigo.jp", "role": "admin", "isActive": True,
        "createdAt": joined, "lastLoginAt": joined,
    })
    now = int(time.time())
    later = blocking_claims(emulators.project, uid="u-kato", event_type="beforeSignIn",
                            email="kato.makoto@sakura-kaigo.jp", at=now)
    earlier = blocking_claims(emulators.project, uid="u-kato", event_type="beforeSignIn",
                              email="kato.makoto@sakura-kaigo.jp", at=now - 600)
    # a beforeCreate for an existing uid (e.g. re-delivered) must not reset it either
    recreate = blocking_claims(emulators.project, uid="u-kato", event_type="beforeCreate",
                               email="kato.makoto@sakura-kaigo.jp", at=now - 300)
    for claims in (later, earlier, recreate):
        assert post_twice(client, claims) == (200, {})
    stored = profile(db, "u-kato")
    assert stored is not None
    assert stored["role"] == "admin" and stored["createdAt"] == joined
    assert stored["lastLoginAt"] == datetime.fromtimestamp(now, UTC)


def test_a_member_added_by_an_admin_may_come_from_another_domain(
        client: FlaskClient, db: firestore.Client, emulators: Emulators) -> None:
    db.document("users/u-contractor").set({
        "email": "yamamoto.shin@partner-kango.jp", "role": "counselor", "isActive": True,
        "clinicId": "clinic-shibuya",
    })
    claims = blocking_claims(emulators.project, uid="u-contractor", event_type="beforeSignIn",
                             email="yamamoto.shin@partner-kango.jp")
    assert post_twice(client, claims) == (200, {})
    assert profile(db, "u-contractor")["role"] == "counselor"


@pytest.mark.parametrize(("uid", "email", "overrides"), [
    ("u-gmail", "yamada.taro1985@gmail.com", {}),
    ("u-lookalike", "sato@sakura-kaigo.jp.example.com", {}),
    ("u-unverified", "morita.aoi@sakura-kaigo.jp", {"email_verified": False}),
    ("u-password", "ishii.kenta@sakura-kaigo.jp", {"sign_in_method": "password"}),
])
def test_strangers_are_refused_and_get_no_profile(
        client: FlaskClient, db: firestore.Client, emulators: Emulators,
        uid: str, email: str, overrides: dict[str, Any]) -> None:
    claims = blocking_claims(emulators.project, uid=uid, email=email, **overrides)
    status, body = post_twice(client, claims)
    assert status == 403 and body["error"]["status"] == "PERMISSION_DENIED"
    assert body["error"]["message"]
    assert profile(db, uid) is None


def test_a_deactivated_member_is_refused_and_stays_deactivated(
        client: FlaskClient, db: firestore.Client, emulators: Emulators) -> None:
    db.document("users/u-nakamura").set({
        "email": "nakamura.yui@sakura-kaigo.jp", "role": "user", "isActive": False,
    })
    claims = blocking_claims(emulators.project, uid="u-nakamura", event_type="beforeSignIn",
                             email="nakamura.yui@sakura-kaigo.jp")
    status, body = post_twice(client, claims)
    assert status == 403 and body["error"]["status"] == "PERMISSION_DENIED"
    assert profile(db, "u-nakamura") == {
        "email": "nakamura.yui@sakura-kaigo.jp", "role": "user", "isActive": False}


def test_without_auth_settings_nobody_new_gets_in(
        client: FlaskClient, firestore_client: firestore.Client, emulators: Emulators) -> None:
    claims = blocking_claims(emulators.project, uid="u-suzuki",
                             email="suzuki.hanako@sakura-kaigo.jp")
    status, _ = post_twice(client, claims)
    assert status == 403
    assert profile(firestore_client, "u-suzuki") is None


@pytest.mark.parametrize("overrides", [
    {"exp": int(time.time()) - 60, "iat": int(time.time()) - 3660},
    {"iss": "https://securetoken.google.com/other-clinic-prod"},
    {"event_type": "beforeDelete"},
    {"user_record": None},
])
def test_bad_tokens_are_refused_without_a_write(
        client: FlaskClient, db: firestore.Client, emulators: Emulators,
        overrides: dict[str, Any]) -> None:
    claims = {**blocking_claims(emulators.project, uid="u-suzuki",
                                email="suzuki.hanako@sakura-kaigo.jp"), **overrides}
    status, body = post_twice(client, claims)
    assert status == 401 and body["error"]["status"] == "UNAUTHENTICATED"
    assert profile(db, "u-suzuki") is None


def test_an_unsigned_token_is_refused_outside_the_emulator(
        client: FlaskClient, db: firestore.Client, emulators: Emulators,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FIREBASE_AUTH_EMULATOR_HOST")
    claims = blocking_claims(emulators.project, uid="u-suzuki",
                             email="suzuki.hanako@sakura-kaigo.jp")
    status, _ = post_twice(client, claims)
    assert status == 401
    assert profile(db, "u-suzuki") is None


@pytest.mark.parametrize("body", [None, {}, {"data": {}}, {"data": {"jwt": ""}}, ["jwt"]])
def test_a_request_without_a_token_is_a_bad_request(client: FlaskClient,
                                                     body: Any) -> None:
    response = client.post("/", json=body)
    assert response.status_code == 400
    assert response.get_json()["error"]["status"] == "INVALID_ARGUMENT"
