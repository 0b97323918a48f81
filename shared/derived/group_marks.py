"""Dirty marks: a document change says which groups to recompute, without a transaction.

A change marks each group it may have moved (``touched_groups``) in the current time
window: ``_groupDirty/{groupId}@{window}``. The first change in a window creates the
mark, and that creation's event runs one recompute of the group after the window closes
(``shared.derived.group_recompute``); every later change in the same window finds the
mark and writes nothing. So a burst of any size costs each group one mark write and one
group write per window, and every change is covered: it happened before its mark was
found or made, and that mark's recompute reads only after the window has closed.
The recompute deletes its mark when done (a later change of the same window, rare, just
makes another); marks left by a crash carry ``expireAt`` for a TTL policy.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from google.api_core import exceptions as gexc
from google.cloud import firestore

from shared.derived.settings import DerivedSettings
from shared.grouping.aggregate import GroupRef

MARKS_COLLECTION = "_groupDirty"
STATE_COLLECTION = "_groupState"  # written by the recompute: when it last read


def _recomputed_since(state: Any, changed_at: datetime | None) -> bool:
    if changed_at is None or state is None:
        return False
    read_at = (state.to_dict() or {}).get("readAt")
    return isinstance(read_at, datetime) and read_at > changed_at


def window_of(now: datetime, settings: DerivedSettings) -> int:
    return math.floor(now.timestamp() / settings.group_window_seconds)


def not_before(window: int, settings: DerivedSettings) -> datetime:
    """When the recompute of ``window`` may read: after it closed, plus a margin."""
    end = (window + 1) * settings.group_window_seconds + settings.group_settle_seconds
    return datetime.fromtimestamp(end, UTC)


def mark_id(group: GroupRef, window: int) -> str:
    return f"{group.doc_id}@{window}"


def mark_payload(group: GroupRef, window: int, now: datetime,
                 settings: DerivedSettings) -> dict[str, Any]:
    return {
        "groupId": group.doc_id,
        "groupType": group.group_type,
        "groupKey": group.group_key,
        "window": window,
        "notBefore": not_before(window, settings),
        "createdAt": now,
        "expireAt": now + timedelta(hours=settings.bookkeeping_retention_hours),
    }


def mark_dirty(db: firestore.Client, groups: Iterable[GroupRef], now: datetime,
               settings: DerivedSettings, changed_at: datetime | None = None) -> list[str]:
    """Make sure each group has a mark in the current window; returns the marks made.

    ``changed_at`` is the commit time of the document state being covered: a group whose
    last recompute read after it (``_groupState.readAt``, a server time) already
    reflects the change and needs no mark. That makes a duplicate or late delivery, the
    common case under at-least-once delivery, cost one batched read and no recompute.
    """
    window = window_of(now, settings)
    collection = db.collection(MARKS_COLLECTION)
    refs = {group: collection.document(mark_id(group, window)) for group in sorted(groups)}
    if not refs:
        return []
    states = {group: db.collection(STATE_COLLECTION).document(group.doc_id) for group in refs}
    found = {snap.reference.path: snap
             for snap in db.get_all([*refs.values(), *states.values()]) if snap.exists}
    missing = [(group, ref) for group, ref in refs.items()
               if ref.path not in found
               and not _recomputed_since(found.get(states[group].path), changed_at)]
    if not missing:
        return []
    batch = db.batch()
    for group, ref in missing:
        batch.create(ref, mark_payload(group, window, now, settings))
    try:
        batch.commit()  # one round trip in the usual case
        return [ref.id for _, ref in missing]
    except gexc.AlreadyExists:
        pass  # another change of this window made one of them first: go one by one
    made: list[str] = []
    for group, ref in missing:
        try:
            ref.create(mark_payload(group, window, now, settings))
        except gexc.AlreadyExists:
            continue
        made.append(ref.id)
    return made
