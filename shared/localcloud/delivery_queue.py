"""A delay queue: hand items to a callback once their time has come.

The event router uses it for chaos-mode delays and for retry backoff, so that waiting
never occupies a delivery thread: a thousand delayed copies cost a heap entry each, not a
blocked thread each. One daemon thread sleeps until the earliest item is due.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

logger = logging.getLogger(__name__)

T = TypeVar("T")


class DelayQueue(Generic[T]):
    """Calls ``on_due(item)`` on its own thread when each scheduled item falls due.

    ``on_due`` should return quickly (hand the item to a pool): items due at the same
    time wait for one another. ``stop()`` returns what was never handed over, so the
    owner can account for it instead of losing it silently.
    """

    def __init__(self, on_due: Callable[[T], None], name: str = "delay-queue") -> None:
        self._on_due = on_due
        self._heap: list[tuple[float, int, T]] = []
        self._seq = itertools.count()  # ties keep scheduling order; items never compared
        self._cond = threading.Condition()
        self._stopped = False
        # Started on first use: a router that never delays anything owns no thread.
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def schedule(self, delay: float, item: T) -> bool:
        """Hand ``item`` over after ``delay`` seconds; ``False`` once the queue stopped."""
        due = time.monotonic() + max(0.0, delay)
        with self._cond:
            if self._stopped:
                return False
            heapq.heappush(self._heap, (due, next(self._seq), item))
            if self._thread.ident is None:
                self._thread.start()
            self._cond.notify()
        return True

    def __len__(self) -> int:
        with self._cond:
            return len(self._heap)

    def stop(self) -> list[T]:
        """Stop the thread; return the items that were scheduled but not yet due."""
        with self._cond:
            self._stopped = True
            left = [item for _, _, item in sorted(self._heap)]
            self._heap.clear()
            self._cond.notify_all()
        started = self._thread.ident is not None
        if started and threading.current_thread() is not self._thread:
            self._thread.join(timeout=5)
        return left

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._stopped:
                    if not self._heap:
                        self._cond.wait()
                        continue
                    wait = self._heap[0][0] - time.monotonic()
                    if wait <= 0:
                        break
                    self._cond.wait(timeout=wait)
                if self._stopped:
                    return
                _, _, item = heapq.heappop(self._heap)
            try:
                self._on_due(item)
            except Exception:  # one bad item must not stop every later one
                logger.exception("delay queue callback failed")
