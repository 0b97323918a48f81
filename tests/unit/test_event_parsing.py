"""Typed event views, fed real CloudEvent HTTP requests through functions-framework."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import functions_framework
import pytest

from shared.events.firestore import DocumentEventData
from shared.localcloud import cloudevents_http

ECHO_SOURCE = Path(__file__).resolve().parents[1] / "fixtures" / "echo_function" / "main.py"


@pytest.fixture
def echo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., list[dict[str, Any]]]:
    out = tmp_path / "echo.jsonl"
    monkeypatch.setenv("ECHO_OUTPUT", str(out))
    client = functions_framework.create_app("echo", str(ECHO_SOURCE), "cloudevent").test_client()

    def post(path: str = "/", **kwargs: Any) -> list[dict[str, Any]]:
        response = client.post(path, **kwargs)
        assert response.status_code == 200, response.data
        return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]

    return post


def test_storage_finalized_event_is_typed(echo: Callable[..., list[dict[str, Any]]]) -> None:
    resource = {"bucket": "b", "name": "uploads/ケアプラン 第1表.pdf", "generation": "1712",
                "metageneration": "1", "contentType": "application/pdf", "size": "2048",
                "md5Hash": "abc==", "timeCreated": "2024-05-01T00:00:00Z"}
    event = cloudevents_http.storage_finalized(resource)
    seen = echo(data=event.body, headers=event.headers)
    assert seen == [{"kind": "storage", "key": "b/uploads/ケアプラン 第1表.pdf#1712",
                     "contentType": "application/pdf", "size": 2048}]


def test_firestore_protobuf_event_decodes_values(
    echo: Callable[..., list[dict[str, Any]]],
) -> None:
    when = datetime(2024, 5, 1, 9, 30, tzinfo=UTC)
    before = {"customerName": "山田 太郎", "count": 1, "tags": ["訪問介護"], "gone": True}
    after = {"customerName": "山田 太郎", "count": 2, "nested": {"a": None, "日付": when},
             "tags": ["訪問介護", "提供票"]}
    event = cloudevents_http.firestore_written(
        "demo", "documents/d1", before, after,
        before_times=(when, when), after_times=(when, datetime(2024, 5, 2, tzinfo=UTC)),
        update_mask=["count", "gone", "nested", "tags"],
    )
    assert event.headers["Content-Type"] == "application/protobuf"
    [seen] = echo(data=event.body, headers=event.headers)
    assert seen["path"] == "documents/d1"
    assert seen["before"] == before
    assert seen["after"]["nested"]["a"] is None
    assert seen["after"]["nested"]["日付"].startswith("2024-05-01 09:30:00")
    assert seen["mask"] == ["count", "gone", "nested", "tags"]
    assert seen["key"] == "documents/d1@2024-05-02T00:00:00+00:00"


def test_firestore_json_encoded_event_decodes_the_same(
    echo: Callable[..., list[dict[str, Any]]],
) -> None:
    event = cloudevents_http.firestore_written("demo", "documents/d2", None, {"officeName": "ケア"})
    payload = DocumentEventData.deserialize(event.body)
    headers = {**event.headers, "Content-Type": "application/json"}
    body = DocumentEventData.to_json(payload).encode("utf-8")
    [seen] = echo(data=body, headers=headers)
    assert seen["after"] == {"officeName": "ケア"} and seen["before"] is None


def test_firestore_delete_event_has_no_after(echo: Callable[..., list[dict[str, Any]]]) -> None:
    when = datetime(2024, 6, 1, tzinfo=UTC)
    event = cloudevents_http.firestore_written("demo", "documents/d3", {"status": "processed"},
                                               None, before_times=(when, when))
    [seen] = echo(data=event.body, headers=event.headers)
    assert seen["after"] is None
    assert seen["key"] == "documents/d3@deleted:2024-06-01T00:00:00+00:00"


def test_raw_pubsub_push_is_converted_to_a_cloudevent(
    echo: Callable[..., list[dict[str, Any]]],
) -> None:
    body = cloudevents_http.pubsub_push_body(
        "demo", "gmail-push", json.dumps({"emailAddress": "care@example.jp",
                                          "historyId": "12345"}).encode(),
        attributes={"kind": "gmail"}, message_id="m-1")
    [seen] = echo("/projects/demo/topics/gmail-push", json=body)
    assert json.loads(seen["data"]) == {"emailAddress": "care@example.jp", "historyId": "12345"}
    assert seen["attributes"] == {"kind": "gmail"} and seen["messageId"] == "m-1"
    assert seen["source"].endswith("projects/demo/topics/gmail-push")


def test_pubsub_data_is_base64_decoded(echo: Callable[..., list[dict[str, Any]]]) -> None:
    body = {"message": {"data": base64.b64encode("受信".encode()).decode(), "messageId": "7"},
            "subscription": "projects/demo/subscriptions/s"}
    [seen] = echo("/projects/demo/topics/t", json=body)
    assert seen["data"] == "受信"
