"""A local stand-in for Eventarc: turns emulator changes into CloudEvents for functions.

- Storage: the Storage emulator emits no events, so the router lists the bucket and
  announces every new ``(name, generation)`` as ``object.v1.finalized``.
- Firestore: a snapshot listener per routed collection; each change becomes
  ``document.v1.written`` with ``DocumentEventData`` protobuf (value, old_value,
  update_mask), as production delivers it.
- Pub/Sub: push subscriptions on the emulator post straight to the function; the router
  only creates the topics and subscriptions.

Deliveries that fail (5xx, connection refused) are retried with exponential backoff,
like a function deployed with ``--retry``. Every delivery is recorded for the demo and
for tests.
"""

from __future__ import annotations

import contextlib
import logging
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import google.cloud.pubsub_v1 as pubsub_v1
import google.cloud.storage as storage
import requests
from google.cloud import firestore
from google.cloud.firestore_v1.watch import ChangeType

from shared.events.firestore import changed_fields
from shared.localcloud import cloudevents_http
from shared.localcloud.cloudevents_http import HttpEvent
from shared.routing import ROUTES, Route, path_matches

logger = logging.getLogger(__name__)


@dataclass
class Delivery:
    """One CloudEvent posted to one function, and how it went."""

    function: str
    event_type: str
    subject: str
    status: int | None
    attempts: int
    at: float


@dataclass
class EventRouter:
    """Watches the emulators and delivers events to function URLs."""

    project: str
    bucket: str
    function_urls: dict[str, str]
    routes: tuple[Route, ...] = ROUTES
    poll_interval: float = 0.2
    # Eventarc retries a failed delivery (deployed with --retry) with exponential backoff
    # for up to a day; locally: 8 attempts, jittered, capped at 8 s between attempts.
    max_attempts: int = 8
    deliveries: list[Delivery] = field(default_factory=list)
    on_delivery: Callable[[Delivery], None] | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _watches: list[Any] = field(default_factory=list)
    _pool: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(8))
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _pending: int = 0
    _last_seen: dict[str, tuple[dict[str, Any], datetime | None, datetime | None]] = field(
        default_factory=dict
    )

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> None:
        storage_routes = [r for r in self.routes if r.trigger == "storage"]
        if storage_routes:
            self._start_storage_poller(storage_routes)
        for route in (r for r in self.routes if r.trigger == "firestore"):
            self._start_firestore_watch(route)
        pubsub_routes = [r for r in self.routes if r.trigger == "pubsub"]
        if pubsub_routes:
            self._create_push_subscriptions(pubsub_routes)

    def stop(self) -> None:
        self._stop.set()
        for watch in self._watches:
            with contextlib.suppress(Exception):
                watch.unsubscribe()
        for thread in self._threads:
            thread.join(timeout=5)
        self._pool.shutdown(wait=True, cancel_futures=False)

    def wait_idle(self, timeout: float = 30.0, settle: float = 0.6) -> bool:
        """Wait until no delivery is in flight and nothing new arrived for ``settle`` s."""
        deadline = time.monotonic() + timeout
        quiet_since = time.monotonic()
        seen = len(self.deliveries)
        while time.monotonic() < deadline:
            with self._lock:
                busy = self._pending > 0
                count = len(self.deliveries)
            if busy or count != seen:
                seen = count
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since >= settle:
                return True
            time.sleep(0.05)
        return False

    # -- delivery ----------------------------------------------------------------------

    def _submit(self, route: Route, event: HttpEvent) -> None:
        with self._lock:
            self._pending += 1
        self._pool.submit(self._deliver, route, event)

    def _deliver(self, route: Route, event: HttpEvent) -> None:
        url = self.function_urls[route.function]
        status: int | None = None
        attempt = 0
        try:
            for attempt in range(1, self.max_attempts + 1):
                try:
                    response = requests.post(url, data=event.body, headers=event.headers,
                                             timeout=route.timeout_seconds)
                    status = response.status_code
                    if status < 500:
                        break
                except requests.RequestException as exc:
                    logger.info("delivery to %s failed: %r", route.function, exc)
                    status = None
                if self._stop.is_set():
                    break
                time.sleep(random.uniform(0.5, 1.0) * min(0.5 * 2 ** (attempt - 1), 8.0))
            delivery = Delivery(route.function, event.event_type, event.subject, status,
                                attempt, time.time())
            with self._lock:
                self.deliveries.append(delivery)
            if self.on_delivery is not None:
                self.on_delivery(delivery)
        except Exception:
            logger.exception("delivery to %s crashed", route.function)
        finally:
            with self._lock:
                self._pending -= 1

    # -- storage -----------------------------------------------------------------------

    def _start_storage_poller(self, routes: list[Route]) -> None:
        client = storage.Client(project=self.project)
        bucket = client.bucket(self.bucket)
        seen: set[tuple[str, int | None]] = {
            (b.name, b.generation) for b in client.list_blobs(bucket)
        }

        def poll() -> None:
            while not self._stop.wait(self.poll_interval):
                try:
                    blobs = list(client.list_blobs(bucket))
                except Exception as exc:  # the emulator may be stopping
                    if not self._stop.is_set():
                        logger.warning("storage poll failed: %r", exc)
                    continue
                for blob in blobs:
                    key = (blob.name, blob.generation)
                    if key in seen:
                        continue
                    seen.add(key)
                    resource = dict(blob._properties)
                    resource.setdefault("bucket", self.bucket)
                    event = cloudevents_http.storage_finalized(resource)
                    for route in routes:
                        self._submit(route, event)

        thread = threading.Thread(target=poll, name="storage-poller", daemon=True)
        thread.start()
        self._threads.append(thread)

    # -- firestore ---------------------------------------------------------------------

    def _start_firestore_watch(self, route: Route) -> None:
        assert route.resource is not None
        db = firestore.Client(project=self.project)
        parts = route.resource.split("/")
        collection_id = parts[-2]
        query: Any = (
            db.collection(collection_id) if len(parts) == 2 else db.collection_group(collection_id)
        )
        initial = threading.Event()

        def on_snapshot(_docs: Any, changes: Any, _read_time: Any) -> None:
            if not initial.is_set():
                for change in changes:  # baseline: what existed before we started
                    snap = change.document
                    self._last_seen[snap.reference.path] = (
                        snap.to_dict() or {}, snap.create_time, snap.update_time)
                initial.set()
                return
            for change in changes:
                self._on_change(route, change)

        self._watches.append(query.on_snapshot(on_snapshot))
        initial.wait(timeout=10)

    def _on_change(self, route: Route, change: Any) -> None:
        snap = change.document
        path: str = snap.reference.path
        if route.resource is None or not path_matches(route.resource, path):
            return
        previous = self._last_seen.get(path)
        if change.type == ChangeType.REMOVED:
            self._last_seen.pop(path, None)
            before = previous[0] if previous else (snap.to_dict() or {})
            before_times = (previous[1], previous[2]) if previous else (
                snap.create_time, snap.update_time)
            event = cloudevents_http.firestore_written(
                self.project, path, before, None, before_times=before_times)
        else:
            after = snap.to_dict() or {}
            self._last_seen[path] = (after, snap.create_time, snap.update_time)
            before = previous[0] if previous else None
            event = cloudevents_http.firestore_written(
                self.project, path, before, after,
                before_times=(previous[1], previous[2]) if previous else (None, None),
                after_times=(snap.create_time, snap.update_time),
                update_mask=changed_fields(before, after),
            )
        self._submit(route, event)

    # -- pubsub ------------------------------------------------------------------------

    def _create_push_subscriptions(self, routes: list[Route]) -> None:
        publisher = pubsub_v1.PublisherClient()
        subscriber = pubsub_v1.SubscriberClient()
        for route in routes:
            assert route.resource is not None
            topic = publisher.topic_path(self.project, route.resource)
            with contextlib.suppress(Exception):
                publisher.create_topic(name=topic)
            sub = subscriber.subscription_path(self.project, f"{route.resource}-{route.function}")
            endpoint = f"{self.function_urls[route.function]}/{topic}"
            with contextlib.suppress(Exception):
                subscriber.create_subscription(
                    request={"name": sub, "topic": topic,
                             "push_config": {"push_endpoint": endpoint}}
                )
