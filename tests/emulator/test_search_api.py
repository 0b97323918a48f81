"""The search HTTP function: verified callers with the right role get results."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from flask.testing import FlaskClient
from google.cloud import firestore

from shared.localcloud import cloudevents_http
from shared.search.query import STATS
from tests.functions_client import function_client, post_event
from tests.rules.tokens import id_token_claims, unsigned_token


@pytest.fixture
def api(firestore_client: firestore.Client, monkeypatch: pytest.MonkeyPatch) -> FlaskClient:
    monkeypatch.setenv("FIREBASE_AUTH_EMULATOR_HOST", "127.0.0.1:9099")
    STATS.clear()
    db = firestore_client
    users = db.collection("users")
    users.document("staff-1").set({"email": "staff@care.example.jp", "role": "user",
                                   "isActive": True})
    users.document("gone-1").set({"email": "old@care.example.jp", "role": "user",
                                  "isActive": False})
    users.document("counselor-1").set({"email": "c@clinic.example.jp", "role": "counselor",
                                       "isActive": True})
    derived = function_client("derived", "on_document_written")
    ref = db.collection("documents").document("k1")
    ref.set({"customerName": "山田 太郎", "officeName": "ケアサポートみどり",
             "documentType": "サービス提供票", "status": "processed",
             "fileName": "サービス提供票_山田太郎.pdf",
             "fileDate": datetime(2024, 5, 1, tzinfo=UTC)})
    snap = ref.get()
    assert post_event(derived, cloudevents_http.firestore_written(
        db.project, "documents/k1", None, snap.to_dict(),
        after_times=(snap.create_time, snap.update_time))).status_code == 200
    return function_client("search_api", "search_documents", "http")


def _auth(project: str, uid: str, email: str, **kw: Any) -> dict[str, str]:
    token = unsigned_token(id_token_claims(project, uid, email, **kw))
    return {"Authorization": f"Bearer {token}"}


def test_member_finds_document_by_reading_variant(api: FlaskClient,
                                                  firestore_client: firestore.Client) -> None:
    headers = _auth(firestore_client.project, "staff-1", "staff@care.example.jp")
    response = api.get("/", query_string={"q": "ﾔﾏﾀﾞ"}, headers=headers)
    assert response.status_code == 200
    assert response.get_json()["results"] == []  # no furigana on this document
    response = api.post("/", json={"q": "山田太郎 提供票"}, headers=headers)
    body = response.get_json()
    assert response.status_code == 200
    assert [r["id"] for r in body["results"]] == ["k1"]
    assert body["results"][0]["customerName"] == "山田 太郎"
    assert body["results"][0]["fieldsMask"] & 1


@pytest.mark.parametrize(("uid", "email", "kw", "status"), [
    (None, None, {}, 401),
    ("gone-1", "old@care.example.jp", {}, 403),
    ("counselor-1", "c@clinic.example.jp", {}, 403),
    ("stranger", "x@example.com", {}, 403),
    ("staff-1", "staff@care.example.jp", {"email_verified": False}, 403),
])
def test_callers_without_access_are_refused(api: FlaskClient, firestore_client: firestore.Client,
                                            uid: str | None, email: str | None,
                                            kw: dict[str, Any], status: int) -> None:
    headers = _auth(firestore_client.project, uid, email or "", **kw) if uid else {}
    response = api.get("/", query_string={"q": "山田"}, headers=headers)
    assert response.status_code == status
    assert "results" not in response.get_json()


def test_bad_request_gets_400_with_reason(api: FlaskClient,
                                          firestore_client: firestore.Client) -> None:
    headers = _auth(firestore_client.project, "staff-1", "staff@care.example.jp")
    for params in ({"q": "山田", "limit": "0"}, {"q": ""}, {"q": "山田", "cursor": "xx"},
                   {"q": "山田", "uid": "someone"}):
        response = api.get("/", query_string=params, headers=headers)
        assert response.status_code == 400, params
        assert response.get_json()["error"]


def test_preflight_is_answered_without_auth(api: FlaskClient) -> None:
    response = api.options("/")
    assert response.status_code == 204
    assert "Authorization" in response.headers["Access-Control-Allow-Headers"]
