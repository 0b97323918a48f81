"""Everything derived from one ``documents/{id}`` change, in a fixed order.

1. groups: the document's contribution to ``documentGroups`` (versioned, one transaction);
2. search: its postings in the sharded index (versioned, one transaction);
3. audit and learning: resolution logs, alias learning, edit logs (deterministic ids);
4. write-back: group keys and the ``search`` map on the document, only when they differ
   and only onto the very version the event describes (an update precondition), so a
   stale event never overwrites newer data and the write's own event changes nothing.

A change that touched only derived fields (our own write-back) is recognised and ends
here: it cannot change any contribution, so the loop stops after one round.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from google.api_core import exceptions as gexc
from google.cloud import firestore

from shared.derived import alias_learning, audit
from shared.derived.audit_ids import audit_id
from shared.derived.contributions import contribution_of, same_contribution
from shared.derived.group_keys import key_updates
from shared.derived.group_store import apply_contribution
from shared.derived.versions import SourceVersion, change_version
from shared.events.firestore import FirestoreChange, changed_fields
from shared.search.entries import IndexEntry, index_entry, same_entry
from shared.search.index_store import apply_index, metadata_current, search_metadata
from shared.search.settings import get_search_settings

DERIVED_FIELDS = frozenset({"customerKey", "officeKey", "documentTypeKey", "careManagerKey",
                            "search"})


class FuriganaLookup:
    """A customer master's ``furigana`` (indexed as part of the customer's name)."""

    def __init__(self, db: firestore.Client) -> None:
        self._db = db
        self._cache: dict[str, str | None] = {}

    def __call__(self, doc: dict[str, Any] | None) -> str | None:
        customer_id = (doc or {}).get("customerId")
        if not isinstance(customer_id, str) or not customer_id:
            return None
        if customer_id not in self._cache:
            snap = (self._db.collection("masters").document("customers")
                    .collection("items").document(customer_id).get())
            value = (snap.to_dict() or {}).get("furigana") if snap.exists else None
            self._cache[customer_id] = value if isinstance(value, str) else None
        return self._cache[customer_id]


def entry_for(doc_id: str, doc: dict[str, Any] | None,
              furigana: FuriganaLookup) -> IndexEntry | None:
    settings = get_search_settings()
    return index_entry(doc_id, doc, furigana(doc), settings.index_ocr, settings.ocr_char_cap)


def process_change(db: firestore.Client, change: FirestoreChange,
                   event_time: datetime | None) -> dict[str, Any]:
    """Bring every derived datum up to date with ``change``; returns a summary."""
    before, after = change.before, change.after
    if (before is not None and after is not None
            and set(changed_fields(before, after)) <= DERIVED_FIELDS):
        return {"skipped": "derived fields only"}
    doc_id = change.document_id
    version = change_version(after is not None, change.update_time, change.old_update_time,
                             event_time)
    summary: dict[str, Any] = {"version": version.nanos, "deleted": version.deleted}

    old_c, new_c = contribution_of(doc_id, before), contribution_of(doc_id, after)
    if before is None or not same_contribution(old_c, new_c):
        groups = apply_contribution(db, doc_id, version, new_c)
        summary["groups"] = {"applied": groups.applied, "reason": groups.reason,
                             "touched": groups.groups}

    furigana = FuriganaLookup(db)
    new_e = entry_for(doc_id, after, furigana)
    old_e = entry_for(doc_id, before, furigana) if before is not None else None
    if before is None or not same_entry(old_e, new_e):
        indexed = apply_index(db, doc_id, version, new_e)
        summary["search"] = {"applied": indexed.applied, "reason": indexed.reason,
                             "added": indexed.added, "removed": indexed.removed,
                             "changed": indexed.changed}

    if before is not None and after is not None:
        summary["audit"] = record_people_changes(db, change, version)

    if after is not None:
        summary["writeBack"] = write_back(db, change, after, new_e)
    return summary


def record_people_changes(db: firestore.Client, change: FirestoreChange,
                          version: SourceVersion) -> dict[str, Any]:
    """Resolution logs, alias learning and edit logs for one update."""
    assert change.before is not None and change.after is not None
    before, after = change.before, change.after
    emails = audit.EmailLookup(db)
    out: dict[str, Any] = {}
    for decision in audit.resolution_changes(before, after, change.update_time):
        kind = decision.kind.name
        if audit.client_logged(db, decision, change.document_id, change.old_update_time):
            out[f"{kind}Log"] = "client"
        else:
            audit.write_resolution_log(db, decision, change.document_path, version.nanos,
                                       emails(decision.resolved_by))
            out[f"{kind}Log"] = "written"
        if decision.new_id and decision.seen_spelling:
            request = alias_learning.LearningRequest(
                master_type=decision.kind.master_type,
                master_id=str(decision.new_id),
                spelling=decision.seen_spelling,
                learned_by=decision.resolved_by,
                learned_by_email=emails(decision.resolved_by),
                document_id=change.document_id,
                log_id=audit_id(change.document_path, version.nanos,
                                f"alias:{decision.kind.id_field}"),
            )
            out[f"{kind}Alias"] = alias_learning.learn(db, request)
    fields = audit.edited_fields(before, after)
    if fields:
        audit.write_edit_logs(db, before, after, fields, change.document_path, version.nanos,
                              emails(str(after.get("editedBy"))))
        out["editLogs"] = fields
    return out


def write_back(db: firestore.Client, change: FirestoreChange, after: dict[str, Any],
               entry: IndexEntry | None) -> list[str]:
    """Set group keys and ``search`` on exactly the version this event describes."""
    updates: dict[str, Any] = dict(key_updates(after))
    if not metadata_current(after, entry):
        updates["search"] = (search_metadata(entry, datetime.now(UTC)) if entry is not None
                             else firestore.DELETE_FIELD)
    if not updates or change.update_time is None:
        return []
    ref = db.document(change.document_path)
    try:
        ref.update(updates, option=db.write_option(last_update_time=change.update_time))
    except (gexc.FailedPrecondition, gexc.NotFound):
        return []  # a newer version (or a delete) exists; its own event sets these
    return sorted(updates)
