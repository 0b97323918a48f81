"""Source versions: which of two events about one document describes the newer state.

Firestore stamps every write with an update time (nanoseconds); a delete leaves no new
time, so it is ordered just after the version it removed. Comparing ``(time, deleted)``
tuples therefore puts a create after its delete into the past where it belongs, and a
re-create (a later update time) after the delete. Stored as integer nanoseconds because a
Firestore timestamp field keeps only microseconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_nanos(stamp: datetime) -> int:
    """Nanoseconds since the epoch (keeps the nanoseconds of a protobuf timestamp)."""
    aware = stamp if stamp.tzinfo is not None else stamp.replace(tzinfo=UTC)
    delta = aware - _EPOCH
    whole = (delta.days * 86_400 + delta.seconds) * 1_000_000_000
    nanos = getattr(stamp, "nanosecond", None)
    fraction = int(nanos) if nanos is not None else delta.microseconds * 1_000
    return whole + fraction


@dataclass(frozen=True, order=True)
class SourceVersion:
    """The version of a source document an event describes."""

    nanos: int
    deleted: bool

    @classmethod
    def of(cls, stamp: datetime, deleted: bool) -> SourceVersion:
        return cls(to_nanos(stamp), deleted)

    @classmethod
    def from_record(cls, record: dict[str, Any] | None) -> SourceVersion | None:
        if not record or "sourceVersion" not in record:
            return None
        return cls(int(record["sourceVersion"]), bool(record.get("deleted")))

    def supersedes(self, stored: SourceVersion | None) -> bool:
        return stored is None or self > stored

    def to_record(self) -> dict[str, Any]:
        return {"sourceVersion": self.nanos, "deleted": self.deleted}


def change_version(exists: bool, update_time: datetime | None,
                   old_update_time: datetime | None,
                   event_time: datetime | None) -> SourceVersion:
    """The version of a change: its update time, or just after the version it deleted.

    Without stamps on the payload (a JSON encoding may lack them) the event time stands in.
    """
    if exists:
        stamp = update_time or event_time
        if stamp is None:
            raise ValueError("a write without any time cannot be ordered")
        return SourceVersion.of(stamp, False)
    stamp = old_update_time or event_time
    if stamp is None:
        raise ValueError("a delete without any time cannot be ordered")
    return SourceVersion.of(stamp, True)
