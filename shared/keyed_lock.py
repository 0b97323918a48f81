"""One lock per key within a process: concurrent deliveries about the same document (a
duplicated event, two events in quick succession) run one after the other.

Correctness never depends on it (every handler is idempotent and its transactions are
safe across instances); it keeps an instance from racing itself into transaction
contention on one document, which costs retries in production and, in the emulator,
lock timeouts of many seconds.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class KeyedLocks:
    """``with locks.hold(key):`` serialises work on ``key``; idle keys are forgotten."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[str, tuple[threading.Lock, int]] = {}

    @contextmanager
    def hold(self, key: str) -> Iterator[None]:
        with self._guard:
            lock, users = self._locks.get(key, (threading.Lock(), 0))
            self._locks[key] = (lock, users + 1)
        try:
            with lock:
                yield
        finally:
            with self._guard:
                lock, users = self._locks[key]
                if users <= 1:
                    del self._locks[key]
                else:
                    self._locks[key] = (lock, users - 1)

    def __len__(self) -> int:
        with self._guard:
            return len(self._locks)
