"""Audit entries for people's changes: resolution logs and edit logs.

The web client writes ``customerResolutionLogs`` / ``officeResolutionLogs`` itself when a
person picks a customer or office; if it did not (an older client, a failed write), the
trigger writes the entry. A person's change is recognised by who made it: the new id
together with ``confirmedBy`` (``officeConfirmedBy``), never by ``customerConfirmed``
alone, which the pipeline also sets. Field edits (``editedBy`` with a new ``editedAt``)
give one ``editLogs`` entry per changed field. Every entry id is derived from the change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.derived.audit_ids import audit_id

CUSTOMER_RESOLUTION_LOGS = "customerResolutionLogs"
OFFICE_RESOLUTION_LOGS = "officeResolutionLogs"
EDIT_LOGS = "editLogs"
# Fields a person edits in the web client; everything else is bookkeeping.
EDITABLE_FIELDS = frozenset({
    "fileName", "documentType", "fileDate", "category", "customerName", "customerId",
    "officeName", "officeId", "careManager", "summary", "totalPages", "targetPageNumber",
    "pageRotations",
})
_MAX_VALUE_CHARS = 500


@dataclass(frozen=True)
class ResolutionKind:
    """The field names of one kind of resolution (customer or office)."""

    name: str  # "customer" | "office"
    id_field: str
    name_field: str
    confirmed_field: str
    by_field: str
    at_field: str
    collection: str
    master_type: str  # masters/{type}


CUSTOMER = ResolutionKind("customer", "customerId", "customerName", "customerConfirmed",
                          "confirmedBy", "confirmedAt", CUSTOMER_RESOLUTION_LOGS, "customers")
OFFICE = ResolutionKind("office", "officeId", "officeName", "officeConfirmed",
                        "officeConfirmedBy", "officeConfirmedAt", OFFICE_RESOLUTION_LOGS,
                        "offices")
KINDS = (CUSTOMER, OFFICE)


@dataclass(frozen=True)
class ResolutionChange:
    """A person moved a document to another customer/office master (pure description)."""

    kind: ResolutionKind
    previous_id: str | None
    new_id: str | None
    new_name: str | None
    resolved_by: str
    resolved_at: datetime | None
    seen_spelling: str | None  # what the OCR read, the candidate alias


PLACEHOLDER_NAMES = frozenset({"不明顧客", "不明事業所", "不明", "該当なし"})


def resolution_changes(before: dict[str, Any], after: dict[str, Any],
                       update_time: datetime | None) -> list[ResolutionChange]:
    """The people's resolution decisions in one update."""
    changes = []
    for kind in KINDS:
        if before.get(kind.id_field) == after.get(kind.id_field):
            continue
        by = after.get(kind.by_field)
        if not by or after.get(kind.confirmed_field) is False:
            continue
        at = after.get(kind.at_field)
        changes.append(ResolutionChange(
            kind=kind,
            previous_id=before.get(kind.id_field),
            new_id=after.get(kind.id_field),
            new_name=after.get(kind.name_field),
            resolved_by=str(by),
            resolved_at=at if isinstance(at, datetime) else update_time,
            seen_spelling=seen_spelling(kind, before, after),
        ))
    return changes


def seen_spelling(kind: ResolutionKind, before: dict[str, Any],
                  after: dict[str, Any]) -> str | None:
    """The spelling the OCR saw: ``ocrExtraction``, else the unresolved name shown before."""
    for doc in (after, before):
        extraction = doc.get("ocrExtraction")
        if isinstance(extraction, dict):
            value = extraction.get(kind.name_field)
            if isinstance(value, str) and value.strip():
                return value.strip()
    shown = before.get(kind.name_field)
    if (not before.get(kind.id_field) and isinstance(shown, str) and shown.strip()
            and shown.strip() not in PLACEHOLDER_NAMES):
        return shown.strip()
    return None


def edited_fields(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Fields a person edited in this update (``editedBy`` set, ``editedAt`` moved)."""
    if not after.get("editedBy"):
        return []
    if (before.get("editedAt") == after.get("editedAt")
            and before.get("editedBy") == after.get("editedBy")):
        return []
    return sorted(f for f in EDITABLE_FIELDS
                  if before.get(f, _MISSING) != after.get(f, _MISSING))


_MISSING = object()


def _storable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | datetime):
        return value
    text = value if isinstance(value, str) else repr(value)
    return text[:_MAX_VALUE_CHARS]


class EmailLookup:
    """``users/{uid}.email``, read once per uid per invocation."""

    def __init__(self, db: firestore.Client) -> None:
        self._db = db
        self._cache: dict[str, str | None] = {}

    def __call__(self, uid: str | None) -> str | None:
        if not uid:
            return None
        if uid not in self._cache:
            snap = self._db.collection("users").document(uid).get()
            email = (snap.to_dict() or {}).get("email") if snap.exists else None
            self._cache[uid] = email if isinstance(email, str) else None
        return self._cache[uid]


def client_logged(db: firestore.Client, change: ResolutionChange, document_id: str,
                  since: datetime | None) -> bool:
    """Whether the web client already wrote this decision's log (after ``since``)."""
    query = db.collection(change.kind.collection).where(
        filter=FieldFilter("documentId", "==", document_id))
    id_key = "newCustomerId" if change.kind is CUSTOMER else "newOfficeId"
    for snap in query.stream():
        log = snap.to_dict() or {}
        if log.get(id_key) != change.new_id or log.get("source") == "derived":
            continue
        at = log.get("resolvedAt")
        if since is None or (isinstance(at, datetime) and at >= since):
            return True
    return False


def write_resolution_log(db: firestore.Client, change: ResolutionChange, document_path: str,
                         version_nanos: int, email: str | None) -> str:
    """The resolution log entry, under an id derived from the change (idempotent)."""
    document_id = document_path.rsplit("/", 1)[-1]
    log_id = audit_id(document_path, version_nanos, change.kind.id_field)
    prefix = "Customer" if change.kind is CUSTOMER else "Office"
    db.collection(change.kind.collection).document(log_id).set({
        "documentId": document_id,
        f"previous{prefix}Id": change.previous_id,
        f"new{prefix}Id": change.new_id,
        f"new{prefix}Name": change.new_name,
        "resolvedBy": change.resolved_by,
        "resolvedByEmail": email,
        "resolvedAt": change.resolved_at,
        "reason": "クライアント未記録のため自動記録",
        "source": "derived",
    })
    return log_id


def write_edit_logs(db: firestore.Client, before: dict[str, Any], after: dict[str, Any],
                    fields: list[str], document_path: str, version_nanos: int,
                    email: str | None) -> list[str]:
    """One ``editLogs`` entry per edited field, in one batch."""
    if not fields:
        return []
    document_id = document_path.rsplit("/", 1)[-1]
    batch = db.batch()
    ids = []
    for name in fields:
        log_id = audit_id(document_path, version_nanos, f"edit:{name}")
        batch.set(db.collection(EDIT_LOGS).document(log_id), {
            "documentId": document_id,
            "fieldName": name,
            "editedBy": after.get("editedBy"),
            "editedByEmail": email,
            "editedAt": after.get("editedAt"),
            "previousValue": _storable(before.get(name)),
            "newValue": _storable(after.get(name)),
        })
        ids.append(log_id)
    batch.commit()
    return ids
