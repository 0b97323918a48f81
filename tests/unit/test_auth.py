"""shared.auth: tokens are verified like Firebase does, members are judged like the rules.

Production verification runs google-auth's real RS256 check against a key pair made here
(its certificate served by a fake transport, so no network); emulator mode runs with
``FIREBASE_AUTH_EMULATOR_HOST`` set, as locally and in tests.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import flask
import google.auth.crypt
import google.auth.jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from werkzeug.test import EnvironBuilder

from shared import auth
from shared.auth import AuthError, Caller, authenticate, require_role, verify_id_token
from shared.provisioning import audience_is_our_function, verify_blocking_token
from tests.rules.tokens import id_token_claims, unsigned_token

PROJECT = "demo-care-docs"
UID = "u-suzuki-hanako"
EMAIL = "suzuki.hanako@sakura-kaigo.jp"


# ---------------------------------------------------------------- signing, as Google would


@dataclass(frozen=True)
class KeyPair:
    private_pem: bytes
    certificate_pem: str


def _key_pair() -> KeyPair:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "securetoken.system.test")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=1))
            .sign(key, hashes.SHA256()))
    return KeyPair(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                          serialization.NoEncryption()),
        cert.public_bytes(serialization.Encoding.PEM).decode("ascii"),
    )


GOOGLE_KEYS = _key_pair()
ATTACKER_KEYS = _key_pair()


def signed(claims: dict[str, Any], keys: KeyPair = GOOGLE_KEYS, kid: str = "key-1") -> str:
    signer = google.auth.crypt.RSASigner.from_string(keys.private_pem, key_id=kid)
    return google.auth.jwt.encode(signer, claims).decode("ascii")


@dataclass
class _CertResponse:
    status: int
    data: bytes
    headers: dict[str, str] = field(default_factory=dict)


class FakeCertTransport:
    """Serves Google's x509 certificate endpoint with our key; counts the fetches."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, url: str, method: str = "GET", **_: Any) -> _CertResponse:
        self.calls += 1
        assert "securetoken@system.gserviceaccount.com" in url
        return _CertResponse(200, json.dumps({"key-1": GOOGLE_KEYS.certificate_pem}).encode())


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch) -> FakeCertTransport:
    monkeypatch.delenv(auth.EMULATOR_ENV, raising=False)
    transport = FakeCertTransport()
    monkeypatch.setattr(auth, "cert_transport", lambda: transport)
    return transport


@pytest.fixture
def emulator(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(auth.EMULATOR_ENV, "127.0.0.1:9099")
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", PROJECT)


def claims(**overrides: Any) -> dict[str, Any]:
    base = id_token_claims(PROJECT, UID, EMAIL)
    base.update(overrides)
    return base


# ---------------------------------------------------------------- verify_id_token, production


def test_a_google_signed_token_is_accepted(production: FakeCertTransport) -> None:
    verified = verify_id_token(signed(claims()), PROJECT)
    assert verified["sub"] == UID and verified["email"] == EMAIL
    assert production.calls == 1


def test_a_token_signed_by_another_key_is_rejected(production: FakeCertTransport) -> None:
    with pytest.raises(AuthError) as caught:
        verify_id_token(signed(claims(), ATTACKER_KEYS), PROJECT)
    assert caught.value.status == 401


def test_an_unsigned_token_is_rejected_in_production_without_fetching_certs(
        production: FakeCertTransport) -> None:
    with pytest.raises(AuthError) as caught:
        verify_id_token(unsigned_token(claims()), PROJECT)
    assert caught.value.status == 401
    assert production.calls == 0


def test_an_expired_token_is_rejected(production: FakeCertTransport) -> None:
    an_hour_ago = int(time.time()) - 7200
    with pytest.raises(AuthError) as caught:
        verify_id_token(signed(claims(iat=an_hour_ago, exp=an_hour_ago + 3600)), PROJECT)
    assert caught.value.status == 401


def test_a_token_for_another_project_is_rejected(production: FakeCertTransport) -> None:
    other = id_token_claims("other-clinic-prod", UID, EMAIL)
    with pytest.raises(AuthError) as caught:
        verify_id_token(signed(other), PROJECT)
    assert caught.value.status == 401


# ---------------------------------------------------------------- verify_id_token, emulator


@pytest.mark.usefixtures("emulator")
def test_an_unsigned_emulator_token_is_accepted() -> None:
    assert verify_id_token(unsigned_token(claims()), PROJECT)["sub"] == UID


@pytest.mark.usefixtures("emulator")
@pytest.mark.parametrize(("overrides", "why"), [
    ({"exp": int(time.time()) - 60, "iat": int(time.time()) - 3660}, "expired"),
    ({"aud": "other-clinic-prod"}, "wrong audience"),
    ({"iss": "https://securetoken.google.com/other-clinic-prod"}, "wrong issuer"),
    ({"sub": ""}, "empty subject"),
    ({"sub": None}, "no subject"),
    ({"exp": None}, "no expiry"),
    ({"iat": int(time.time()) + 3600}, "issued in the future"),
])
def test_emulator_tokens_still_get_the_claim_checks(overrides: dict[str, Any],
                                                    why: str) -> None:
    with pytest.raises(AuthError) as caught:
        verify_id_token(unsigned_token(claims(**overrides)), PROJECT)
    assert caught.value.status == 401, why


@pytest.mark.usefixtures("emulator")
@pytest.mark.parametrize("token", ["", "abc", "a.b.c", "e30.bm90LWpzb24.", "..."])
def test_garbage_is_a_401_not_a_crash(token: str) -> None:
    with pytest.raises(AuthError) as caught:
        verify_id_token(token, PROJECT)
    assert caught.value.status == 401


# ---------------------------------------------------------------- authenticate


class _Snapshot:
    def __init__(self, data: dict[str, Any] | None) -> None:
        self._data = data
        self.exists = data is not None

    def to_dict(self) -> dict[str, Any] | None:
        return dict(self._data) if self._data is not None else None


class FakeUsers:
    """Just enough of ``firestore.Client`` for ``users/{uid}`` lookups."""

    def __init__(self, profiles: dict[str, dict[str, Any]]) -> None:
        self.profiles = profiles
        self._uid = ""

    def collection(self, name: str) -> FakeUsers:
        assert name == "users"
        return self

    def document(self, uid: str) -> FakeUsers:
        self._uid = uid
        return self

    def get(self) -> _Snapshot:
        return _Snapshot(self.profiles.get(self._uid))


def request_with(token: str | None, scheme: str = "Bearer") -> flask.Request:
    headers = {"Authorization": f"{scheme} {token}"} if token is not None else {}
    environ = EnvironBuilder(path="/", method="POST", headers=list(headers.items())).get_environ()
    return flask.Request(environ)


ACTIVE_STAFF = {"email": EMAIL, "role": "user", "isActive": True}


def _authenticate(token: str | None, profiles: dict[str, dict[str, Any]],
                  scheme: str = "Bearer") -> Caller:
    return authenticate(request_with(token, scheme), FakeUsers(profiles))  # type: ignore[arg-type]


@pytest.mark.usefixtures("emulator")
def test_an_active_member_becomes_a_caller() -> None:
    counselor = {"email": EMAIL, "role": "counselor", "isActive": True,
                 "clinicId": "clinic-shibuya"}
    caller = _authenticate(unsigned_token(claims()), {UID: counselor})
    assert caller == Caller(uid=UID, email=EMAIL, role="counselor", clinic_id="clinic-shibuya")


@pytest.mark.usefixtures("emulator")
@pytest.mark.parametrize(("token", "scheme"), [(None, "Bearer"), ("", "Bearer"),
                                               ("dummy", "Basic")])
def test_a_missing_bearer_token_is_401(token: str | None, scheme: str) -> None:
    with pytest.raises(AuthError) as caught:
        _authenticate(token, {UID: ACTIVE_STAFF}, scheme)
    assert caught.value.status == 401


@pytest.mark.usefixtures("emulator")
def test_an_expired_token_is_401_even_for_a_member() -> None:
    old = int(time.time()) - 7200
    with pytest.raises(AuthError) as caught:
        _authenticate(unsigned_token(claims(iat=old, exp=old + 3600)), {UID: ACTIVE_STAFF})
    assert caught.value.status == 401


@pytest.mark.usefixtures("emulator")
def test_a_wrong_audience_is_401() -> None:
    with pytest.raises(AuthError) as caught:
        _authenticate(unsigned_token(claims(aud="other-clinic-prod")), {UID: ACTIVE_STAFF})
    assert caught.value.status == 401


@pytest.mark.usefixtures("emulator")
def test_an_unknown_user_is_403() -> None:
    with pytest.raises(AuthError) as caught:
        _authenticate(unsigned_token(claims()), {})
    assert caught.value.status == 403


@pytest.mark.usefixtures("emulator")
def test_an_inactive_user_is_403() -> None:
    inactive_admin = {"email": EMAIL, "role": "admin", "isActive": False}
    with pytest.raises(AuthError) as caught:
        _authenticate(unsigned_token(claims()), {UID: inactive_admin})
    assert caught.value.status == 403


@pytest.mark.usefixtures("emulator")
@pytest.mark.parametrize("overrides", [
    {"email_verified": False},
    {"firebase": {"sign_in_provider": "password", "identities": {}}},
    {"firebase": {"sign_in_provider": "anonymous", "identities": {}}},
])
def test_the_rules_account_conditions_apply(overrides: dict[str, Any]) -> None:
    with pytest.raises(AuthError) as caught:
        _authenticate(unsigned_token(claims(**overrides)), {UID: ACTIVE_STAFF})
    assert caught.value.status == 403


@pytest.mark.usefixtures("emulator")
def test_a_profile_with_an_unknown_role_is_403() -> None:
    with pytest.raises(AuthError) as caught:
        _authenticate(unsigned_token(claims()), {UID: {**ACTIVE_STAFF, "role": "owner"}})
    assert caught.value.status == 403


def test_require_role() -> None:
    staff = Caller(uid=UID, email=EMAIL, role="user", clinic_id=None)
    require_role(staff, "user", "admin")
    with pytest.raises(AuthError) as caught:
        require_role(staff, "admin")
    assert caught.value.status == 403


# ---------------------------------------------------------------- blocking tokens (provisioning)
# Same keys and issuer as ID tokens; the audience is the function's URL instead.

FUNCTION_URL = f"https://asia-northeast1-{PROJECT}.cloudfunctions.net/provision-user"


def blocking(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    base: dict[str, Any] = {
        "iss": f"https://securetoken.google.com/{PROJECT}", "aud": FUNCTION_URL,
        "iat": now, "exp": now + 3600, "sub": UID, "event_id": "evt-1",
        "event_type": "beforeSignIn", "sign_in_method": "google.com",
        "user_record": {"uid": UID, "email": EMAIL, "email_verified": True},
    }
    base.update(overrides)
    return base


def test_a_signed_blocking_token_is_accepted(production: FakeCertTransport) -> None:
    event = verify_blocking_token(signed(blocking()), PROJECT)
    assert event.user_record.uid == UID and event.event_type == "beforeSignIn"


@pytest.mark.parametrize("audience", [
    "https://provision-user-abc123-an.a.run.app",
    f"https://us-central1-{PROJECT}.cloudfunctions.net/provision-user",
])
def test_blocking_audiences_of_our_function_are_accepted(audience: str) -> None:
    assert audience_is_our_function(audience, PROJECT)


@pytest.mark.parametrize("audience", [
    f"https://asia-northeast1-other-{PROJECT}.cloudfunctions.net/provision-user",
    f"http://asia-northeast1-{PROJECT}.cloudfunctions.net/provision-user",
    f"https://evil.example.com/asia-northeast1-{PROJECT}.cloudfunctions.net",
    PROJECT,
    None,
])
def test_other_audiences_are_not_our_function(audience: Any) -> None:
    assert not audience_is_our_function(audience, PROJECT)


@pytest.mark.parametrize("token_of", [
    lambda: signed(blocking(), ATTACKER_KEYS),
    lambda: signed(blocking(aud=PROJECT)),
    lambda: signed(blocking(iss="https://securetoken.google.com/other-clinic-prod")),
    lambda: signed(blocking(event_type="beforeSendEmail")),
    lambda: unsigned_token(blocking()),
])
def test_bad_blocking_tokens_are_401_in_production(production: FakeCertTransport,
                                                   token_of: Any) -> None:
    with pytest.raises(AuthError) as caught:
        verify_blocking_token(token_of(), PROJECT)
    assert caught.value.status == 401
