"""Firestore ``_groupDirty/{markId}`` created → recompute that group after its window.

The mark says which group and from when its recompute may read (``notBefore``: the end
of the window the mark stands for). Waiting until then is what lets every change of the
window share this one recompute. Idempotent and order-free: the result derives from the
documents, and an older read never overwrites a newer one.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime

from cloudevents.http import CloudEvent

from shared import structured_log
from shared.clients import get_db
from shared.config import get_settings
from shared.derived.group_recompute import recompute_group, recomputed_after
from shared.derived.settings import get_derived_settings
from shared.grouping.aggregate import GroupRef
from shared.grouping.ids import GROUP_TYPES
from shared.handlers.derived import parse_or_record
from shared.keyed_lock import KeyedLocks

logger = structured_log.get_logger("shared.handlers.group_recompute")
_GROUPS = KeyedLocks()  # one recompute of a group at a time in this instance


def handle_mark_written(event: CloudEvent) -> None:
    change = parse_or_record(event, "group_recompute")
    if change is None or change.after is None:
        return  # a mark expiring (TTL delete) asks for nothing
    mark = change.after
    group_type, group_key = mark.get("groupType"), mark.get("groupKey")
    if group_type not in GROUP_TYPES or not isinstance(group_key, str) or not group_key:
        structured_log.log(logger, logging.ERROR, "malformed group mark ignored",
                           mark=change.document_path)
        return
    settings = get_derived_settings()
    structured_log.configure(get_settings().log_level)
    with structured_log.bind(function="group_recompute", eventId=change.event_id,
                             eventKey=change.document_path):
        wait_until(mark.get("notBefore"),
                   settings.group_window_seconds + settings.group_settle_seconds)
        group = GroupRef(group_type, group_key)
        db = get_db()
        with _GROUPS.hold(group.doc_id):
            if recomputed_after(db, group, mark.get("notBefore")):
                # A recompute that read after this window closed covers it: under a
                # backlog one recompute serves every older mark of the group.
                db.document(change.document_path).delete()
                structured_log.log(logger, logging.INFO, "mark already covered",
                                   group=group.doc_id)
                return
            result = recompute_group(db, group, settings)
        # Done with: a mark left behind only costs storage (its TTL removes it), but
        # clearing it keeps the collection to the marks still pending.
        db.document(change.document_path).delete()
        structured_log.log(logger, logging.INFO, "group recomputed", group=result.group_id,
                           outcome=result.outcome, count=result.count)


def wait_until(moment: object, longest: float) -> None:
    """Sleep until ``moment`` (at most ``longest`` seconds: a far-future stamp is a bug)."""
    if not isinstance(moment, datetime):
        return
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    delay = (aware - datetime.now(UTC)).total_seconds()
    if delay > 0:
        time.sleep(min(delay, longest))
