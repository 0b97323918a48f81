"""The Firestore REST API as the web client uses it, against the emulator, with a token.

Requests go through the rules exactly as a browser's would (the admin client bypasses
them). Writes use ``:commit`` so that ``request.time`` stamps can be sent the way the SDK
sends ``serverTimestamp()``: as a ``REQUEST_TIME`` field transform.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final
from urllib.parse import quote

import requests


class _Sentinel:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


# ``serverTimestamp()``: becomes ``request.time`` in the rules.
SERVER_TIME: Final = _Sentinel("SERVER_TIME")
# ``deleteField()``: the key is in the update mask but not in the fields.
DELETE_FIELD: Final = _Sentinel("DELETE_FIELD")


def encode_value(value: Any) -> dict[str, Any]:
    """A Python value as a Firestore REST ``Value``."""
    if value is None:
        return {"nullValue": None}
    if isinstance(value, bool):
        return {"booleanValue": value}
    if isinstance(value, int):
        return {"integerValue": str(value)}
    if isinstance(value, float):
        return {"doubleValue": value}
    if isinstance(value, str):
        return {"stringValue": value}
    if isinstance(value, datetime):
        stamp = value.astimezone(UTC).isoformat().replace("+00:00", "Z")
        return {"timestampValue": stamp}
    if isinstance(value, list | tuple):
        return {"arrayValue": {"values": [encode_value(v) for v in value]}}
    if isinstance(value, dict):
        return {"mapValue": {"fields": encode_fields(value)}}
    raise TypeError(f"cannot encode {value!r}")


def encode_fields(data: dict[str, Any]) -> dict[str, Any]:
    """Fields of a map, leaving out sentinels (they become transforms or mask entries)."""
    return {k: encode_value(v) for k, v in data.items() if not isinstance(v, _Sentinel)}


def server_time_paths(data: dict[str, Any], prefix: str = "") -> list[str]:
    """Field paths (dotted, nested maps too) that carry ``SERVER_TIME``."""
    paths: list[str] = []
    for key, value in data.items():
        path = f"{prefix}{key}"
        if value is SERVER_TIME:
            paths.append(path)
        elif isinstance(value, dict):
            paths.extend(server_time_paths(value, f"{path}."))
    return paths


@dataclass(frozen=True)
class Response:
    status: int
    body: Any

    @property
    def error_status(self) -> str | None:
        """``PERMISSION_DENIED`` etc. from a Google API error body, if it is one."""
        body = self.body[0] if isinstance(self.body, list) and self.body else self.body
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            status = body["error"].get("status")
            return str(status) if status is not None else None
        return None


class FirestoreRest:
    """A thin REST client for one emulated project."""

    def __init__(self, host: str, project: str) -> None:
        self.project = project
        self.database = f"projects/{project}/databases/(default)"
        self.base = f"http://{host}/v1/{self.database}/documents"
        self._http = requests.Session()

    def _headers(self, token: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"} if token else {}

    def _name(self, path: str) -> str:
        return f"{self.database}/documents/{path}"

    @staticmethod
    def _response(resp: requests.Response) -> Response:
        try:
            body = resp.json()
        except ValueError:
            body = resp.text
        return Response(resp.status_code, body)

    def get(self, path: str, token: str | None) -> Response:
        url = f"{self.base}/{quote(path)}"
        return self._response(self._http.get(url, headers=self._headers(token), timeout=30))

    def list(
        self, collection_path: str, token: str | None, where: tuple[str, Any] | None = None
    ) -> Response:
        """``runQuery`` on a collection, optionally with one equality filter."""
        parent, _, collection_id = collection_path.rpartition("/")
        query: dict[str, Any] = {"from": [{"collectionId": collection_id}], "limit": 50}
        if where is not None:
            field, value = where
            query["where"] = {"fieldFilter": {
                "field": {"fieldPath": field}, "op": "EQUAL", "value": encode_value(value),
            }}
        url = f"{self.base}/{quote(parent)}:runQuery" if parent else f"{self.base}:runQuery"
        return self._response(self._http.post(
            url, json={"structuredQuery": query}, headers=self._headers(token), timeout=30))

    def commit(self, write: dict[str, Any], token: str | None) -> Response:
        return self._response(self._http.post(
            f"{self.base}:commit", json={"writes": [write]},
            headers=self._headers(token), timeout=30))

    def create(self, path: str, data: dict[str, Any], token: str | None) -> Response:
        return self.commit(self._update_write(path, data, mask=False, exists=False), token)

    def update(self, path: str, data: dict[str, Any], token: str | None) -> Response:
        """Set the given top-level keys (``DELETE_FIELD`` removes one), like ``updateDoc``."""
        return self.commit(self._update_write(path, data, mask=True, exists=True), token)

    def delete(self, path: str, token: str | None) -> Response:
        return self.commit({"delete": self._name(path), "currentDocument": {"exists": True}},
                           token)

    def _update_write(
        self, path: str, data: dict[str, Any], *, mask: bool, exists: bool
    ) -> dict[str, Any]:
        write: dict[str, Any] = {
            "update": {"name": self._name(path), "fields": encode_fields(data)},
            "currentDocument": {"exists": exists},
        }
        if mask:
            write["updateMask"] = {
                "fieldPaths": [k for k, v in data.items() if v is not SERVER_TIME]
            }
        transforms = server_time_paths(data)
        if transforms:
            write["updateTransforms"] = [
                {"fieldPath": p, "setToServerValue": "REQUEST_TIME"} for p in transforms
            ]
        return write
