"""Everything derived from a ``documents/{id}`` change, in a fixed order.

Level-triggered: the event says *which* document changed; what is derived comes from the
document as it is now, read inside the index transaction. A late, duplicated or
coalesced event therefore converges to the same state as the latest one.

1. search: the document's postings in the sharded index (versioned, one transaction);
2. write-back: group keys and the ``search`` map on the document, only when they differ
   and only onto the very version just read (an update precondition), so a stale attempt
   never overwrites newer data and the write's own event changes nothing;
3. groups: a dirty mark for every group the document may have entered or left (from the
   event's before and after and the state read), recomputed later from the documents;
4. audit and learning: resolution logs, alias learning, edit logs (deterministic ids).
   These are about *what a person did*, so they read the event's before and after.

A change that touched only derived fields (our own write-back) is recognised and ends
here: it cannot move a document between groups, so the loop stops after one round.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from google.api_core import exceptions as gexc
from google.cloud import firestore

from shared.derived import alias_learning, audit
from shared.derived.audit_ids import audit_id
from shared.derived.group_marks import mark_dirty
from shared.derived.settings import get_derived_settings
from shared.events.firestore import FirestoreChange, changed_fields
from shared.grouping.aggregate import touched_groups
from shared.grouping.keys import key_updates
from shared.search.entries import IndexEntry, entry_for
from shared.search.furigana import FuriganaLookup
from shared.search.index_store import metadata_current, search_metadata, sync_index
from shared.source_versions import SourceVersion, change_version

DERIVED_FIELDS = frozenset({"customerKey", "officeKey", "documentTypeKey", "careManagerKey",
                            "search"})


def process_change(db: firestore.Client, change: FirestoreChange,
                   event_time: datetime | None) -> dict[str, Any]:
    """Bring every derived datum up to date with the changed document; returns a summary."""
    before, after = change.before, change.after
    if (before is not None and after is not None
            and set(changed_fields(before, after)) <= DERIVED_FIELDS):
        return {"skipped": "derived fields only"}
    doc_id = change.document_id
    furigana = FuriganaLookup(db)
    synced = sync_index(db, doc_id, lambda doc: entry_for(doc_id, doc, furigana))
    summary: dict[str, Any] = {"search": {
        "applied": synced.result.applied, "reason": synced.result.reason,
        "added": synced.result.added, "removed": synced.result.removed,
        "changed": synced.result.changed}}

    current = synced.doc
    # The commit time of the state the marks must cover: the version read, or the
    # write-back's if it moved the stored keys; unknown for a delete (always mark).
    changed_at = synced.update_time
    if current is not None and synced.update_time is not None:
        written, written_at = write_back(db, change.document_path, current,
                                         synced.update_time, synced.entry)
        summary["writeBack"] = written
        changed_at = written_at or changed_at

    groups = touched_groups(before, after, current)
    summary["marked"] = mark_dirty(db, groups, datetime.now(UTC), get_derived_settings(),
                                   changed_at if current is not None else None)

    if before is not None and after is not None:
        version = change_version(True, change.update_time, change.old_update_time, event_time)
        summary["audit"] = record_people_changes(db, change, version)
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


def write_back(db: firestore.Client, path: str, doc: dict[str, Any], update_time: datetime,
               entry: IndexEntry | None) -> tuple[list[str], datetime | None]:
    """Set group keys and ``search`` on exactly the version that was read; returns the
    fields written and the new version's commit time (``None`` if nothing was written)."""
    updates: dict[str, Any] = dict(key_updates(doc))
    if not metadata_current(doc, entry):
        updates["search"] = (search_metadata(entry, datetime.now(UTC)) if entry is not None
                             else firestore.DELETE_FIELD)
    if not updates:
        return [], None
    try:
        result = db.document(path).update(
            updates, option=db.write_option(last_update_time=update_time))
    except (gexc.FailedPrecondition, gexc.NotFound):
        return [], None  # a newer version (or a delete) exists; its own event sets these
    return sorted(updates), result.update_time
