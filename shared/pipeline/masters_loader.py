"""The masters (``masters/{type}/items``) as one index for resolution, cached per process.

Masters change rarely and are read on every processed document, so one instance keeps
them for ``masters_cache_seconds`` (5 minutes by default): at most one full read of the
four collections per instance per period, instead of one per document. A master edited in
the web client is therefore seen by the pipeline within that period.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from google.cloud import firestore

MASTER_TYPES = ("documents", "customers", "offices", "caremanagers")


@dataclass(frozen=True)
class MasterRows:
    """Raw master items by type: ``{"customers": [{"id": ..., "name": ...}, ...], ...}``."""

    rows: dict[str, list[dict[str, Any]]]

    def count(self) -> int:
        return sum(len(v) for v in self.rows.values())


def read_masters(db: firestore.Client) -> MasterRows:
    rows: dict[str, list[dict[str, Any]]] = {}
    for master_type in MASTER_TYPES:
        items = db.collection("masters").document(master_type).collection("items").stream()
        rows[master_type] = [{"id": snap.id, **(snap.to_dict() or {})} for snap in items]
    return MasterRows(rows)


def build_index(rows: MasterRows) -> Any:
    """The resolution engine's ``MasterIndex`` built from raw rows."""
    from shared.resolution.index import MasterIndex

    return MasterIndex.from_rows(rows.rows)


class CachedMasters:
    """A per-process cache of the master index with a time-to-live."""

    def __init__(self, ttl_seconds: float, clock: Callable[[], float] = time.monotonic,
                 builder: Callable[[MasterRows], Any] = build_index) -> None:
        self._ttl = ttl_seconds
        self._clock = clock
        self._builder = builder
        self._lock = threading.Lock()
        self._value: Any = None
        self._loaded_at: float | None = None
        self.loads = 0

    def get(self, db: firestore.Client) -> Any:
        with self._lock:
            now = self._clock()
            if self._loaded_at is None or now - self._loaded_at >= self._ttl:
                self._value = self._builder(read_masters(db))
                self._loaded_at = now
                self.loads += 1
            return self._value

    def invalidate(self) -> None:
        with self._lock:
            self._loaded_at = None
