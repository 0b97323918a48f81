"""A local stand-in for Eventarc: turns emulator changes into CloudEvents for functions.

- Storage: the Storage emulator emits no events, so the router lists the bucket and
  announces every new ``(name, generation)`` as ``object.v1.finalized``.
- Firestore: one snapshot listener per routed Firestore route (any path pattern:
  ``coll/{id}``, ``masters/{type}/items/{id}``, …); each change becomes the route's
  ``document.v1.*`` event with ``DocumentEventData`` protobuf (value, old_value,
  update_mask), as production delivers it. The before-state is kept *per route*: Eventarc
  delivers to each trigger independently, so two functions on ``documents/{docId}`` each
  see before = the after of the previous event *they* were sent. The listener may
  coalesce rapid writes into one change (production sends one event per write); before is
  then still the previous delivered after.
- Schedule (Cloud Scheduler): with ``schedule_interval`` set (``make up``: 600 s, as
  ``*/10 * * * *``), the router POSTs ``{}`` to each scheduled function at that interval.
- Pub/Sub: push subscriptions on the emulator post straight to the function; the router
  only creates the topics and subscriptions (so chaos and dead letters do not apply).

Deliveries are at-least-once and unordered, as in production:

- Retries: a 5xx, 429 or connection error is retried with jittered exponential backoff
  (``max_attempts``, ``backoff_base`` doubling up to ``backoff_cap``), like a function
  deployed with ``--retry``. Backoff waits sit in a delay queue, not in delivery threads.
- Dead letters: an event that still fails after the last attempt (or gets a 4xx, which no
  retry fixes) is never dropped silently: it goes to ``dead_letters``, to a JSON file in
  ``dead_letter_dir`` (re-drivable with ``python -m shared.localcloud.redrive``), to an
  ERROR log line and to ``on_dead_letter``.
- Chaos (``chaos=True`` or ``LOCALCLOUD_CHAOS=1``): every event is delivered 1–3 times,
  each copy independently delayed uniform(0, 2 s), so copies arrive duplicated and out of
  order; ``seed`` (or ``LOCALCLOUD_CHAOS_SEED``) makes a run repeatable.

Every delivery (each copy, once it succeeded or was given up) is recorded in
``deliveries`` and passed to ``on_delivery``; ``wait_idle`` counts copies that are still
delayed or waiting for a retry as in flight.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import random
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import google.cloud.pubsub_v1 as pubsub_v1
import google.cloud.storage as storage
import requests
from google.cloud import firestore
from google.cloud.firestore_v1.document import DocumentSnapshot
from google.cloud.firestore_v1.watch import ChangeType, DocumentChange, Watch

from shared.events.firestore import CREATED, DELETED, UPDATED, WRITTEN, changed_fields
from shared.localcloud import cloudevents_http
from shared.localcloud.cloudevents_http import HttpEvent
from shared.localcloud.dead_letters import DeadLetter
from shared.localcloud.delivery_queue import DelayQueue
from shared.routing import ROUTES, Route, path_matches
from shared.source_versions import to_nanos

logger = logging.getLogger(__name__)

CHAOS_ENV = "LOCALCLOUD_CHAOS"
CHAOS_SEED_ENV = "LOCALCLOUD_CHAOS_SEED"
SCHEDULE_EVENT_TYPE = "cloudscheduler.job.executed"  # our label in Delivery records
_RETRYABLE_4XX = frozenset({408, 429})


def chaos_from_env() -> bool:
    """``LOCALCLOUD_CHAOS=1`` (or true/yes/on) turns chaos on for every router."""
    return os.environ.get(CHAOS_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def seed_from_env() -> int | None:
    value = os.environ.get(CHAOS_SEED_ENV, "").strip()
    return int(value) if value else None


@dataclass
class Delivery:
    """One CloudEvent (one copy of it, under chaos) posted to one function, and how it went."""

    function: str
    event_type: str
    subject: str
    status: int | None
    attempts: int
    at: float
    event_id: str = ""
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass
class _Job:
    """One copy of one event on its way to one function, across its attempts."""

    route: Route
    url: str
    headers: dict[str, str]
    body: bytes
    event_id: str
    event_type: str
    subject: str
    attempts: int = 0
    first_attempt_at: float | None = None
    last_attempt_at: float | None = None
    status: int | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def retryable(self) -> bool:
        return self.status is None or self.status >= 500 or self.status in _RETRYABLE_4XX


_Snapshot = tuple[dict[str, Any], datetime | None, datetime | None]  # fields, create, update


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
    backoff_base: float = 0.5
    backoff_cap: float = 8.0
    # Big enough that a few slow functions (timeouts of minutes) do not starve the rest.
    delivery_threads: int = 64
    chaos: bool = field(default_factory=chaos_from_env)
    seed: int | None = field(default_factory=seed_from_env)
    chaos_max_copies: int = 3
    chaos_max_delay: float = 2.0
    dead_letter_dir: Path | None = None
    schedule_interval: float | None = None  # None: scheduled routes are not triggered
    deliveries: list[Delivery] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)
    on_delivery: Callable[[Delivery], None] | None = None
    on_dead_letter: Callable[[DeadLetter], None] | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _watches: list[Any] = field(default_factory=list)
    _watched: dict[tuple[str, bool], list[Route]] = field(default_factory=dict)
    _watch_of: dict[tuple[str, bool], Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _pending: int = 0
    # Before-state per (route, document path): each trigger has its own view of history.
    _last_seen: dict[tuple[str, str], _Snapshot] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.chaos and self.seed is None:
            self.seed = random.SystemRandom().randrange(2**32)  # logged, so reproducible
        self._rng = random.Random(self.seed)
        self._pool = ThreadPoolExecutor(self.delivery_threads, thread_name_prefix="deliver")
        self._delays: DelayQueue[_Job] = DelayQueue(self._dispatch, name="router-delays")

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> None:
        if self.chaos:
            logger.warning("event router in chaos mode (seed %s): every event is delivered "
                           "1–%d times, each copy delayed up to %.1f s",
                           self.seed, self.chaos_max_copies, self.chaos_max_delay)
        storage_routes = [r for r in self.routes if r.trigger == "storage"]
        if storage_routes:
            self._start_storage_poller(storage_routes)
        watched: dict[tuple[str, bool], list[Route]] = {}
        for route in (r for r in self.routes if r.trigger == "firestore"):
            watched.setdefault(_watch_target(route), []).append(route)
        self._watched = watched
        for target, routes in watched.items():
            self._start_firestore_watch(target, routes)
        if watched:
            watchdog = threading.Thread(target=self._watchdog, name="listener-watchdog",
                                        daemon=True)
            watchdog.start()
            self._threads.append(watchdog)
        pubsub_routes = [r for r in self.routes if r.trigger == "pubsub"]
        if pubsub_routes:
            self._create_push_subscriptions(pubsub_routes)
        schedule_routes = [r for r in self.routes if r.trigger == "schedule"]
        if schedule_routes and self.schedule_interval is not None:
            self._start_scheduler(schedule_routes, self.schedule_interval)

    def stop(self) -> None:
        """Stop watching; let in-flight requests finish; account for what never went out.

        A copy that was still delayed is dropped with a warning. A delivery that had
        already failed and was waiting for its next retry becomes a dead letter.
        """
        self._stop.set()
        for watch in self._watches:
            with contextlib.suppress(Exception):
                watch.unsubscribe()
        for thread in self._threads:
            thread.join(timeout=5)
        never_sent = 0
        for job in self._delays.stop():
            if job.attempts:
                job.error = _join(job.error, "router stopped before the next retry")
                self._finish(job)
            else:
                never_sent += 1
                self._done()
        if never_sent:
            logger.warning("router stopped with %d delayed event copies not yet delivered",
                           never_sent)
        self._pool.shutdown(wait=True, cancel_futures=False)

    def wait_idle(self, timeout: float = 30.0, settle: float = 0.6) -> bool:
        """Wait until nothing is in flight, delayed or awaiting a retry, and nothing new
        arrived for ``settle`` s."""
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
                if self._listeners_caught_up():
                    return True
                quiet_since = time.monotonic()  # writes the listeners have not seen yet
            time.sleep(0.05)
        return False

    def _listeners_caught_up(self) -> bool:
        """Whether every Firestore listener has seen the current version of every
        document it watches. Nothing in flight is not yet quiet: under a burst a listener
        can lag behind the writes, and the emulator sends nothing while idle that would
        say how far it has got, so the router compares its view with the documents."""
        db = firestore.Client(project=self.project)
        for (collection_id, nested), routes in self._watched.items():
            query: Any = (db.collection_group(collection_id) if nested
                          else db.collection(collection_id))
            key = _route_key(routes[0])
            pattern = (routes[0].resource or "").strip("/")
            stored = {snap.reference.path: _nanos(snap.update_time)
                      for snap in query.select([]).stream()
                      if path_matches(pattern, snap.reference.path)}
            with self._lock:
                known = {path: _nanos(seen[2]) for (k, path), seen in self._last_seen.items()
                         if k == key and path_matches(pattern, path)}
            if stored != known:
                logger.debug("listener on %s not caught up: %s", collection_id,
                             sorted(set(stored.items()) ^ set(known.items()))[:3])
                return False
        return True

    # -- delivery ----------------------------------------------------------------------

    def publish(self, route: Route, event: HttpEvent) -> None:
        """Deliver ``event`` to ``route``'s function as Eventarc would: with chaos,
        retries and dead letters. The watchers use it; tests may call it directly."""
        self._submit(route, event.headers, event.body, event_id=event.event_id,
                     event_type=event.event_type, subject=event.subject)

    def _submit(self, route: Route, headers: dict[str, str], body: bytes, *, event_id: str,
                event_type: str, subject: str) -> None:
        if self._stop.is_set():
            logger.warning("router stopped: %s %s for %s not delivered", event_type,
                           subject, route.function)
            return
        url = self.function_urls.get(route.function)
        copies, delays = 1, [0.0]
        if self.chaos:
            with self._lock:
                copies = self._rng.randint(1, self.chaos_max_copies)
                delays = [self._rng.uniform(0.0, self.chaos_max_delay) for _ in range(copies)]
        jobs = [_Job(route, url or "", dict(headers), body, event_id, event_type, subject)
                for _ in range(copies)]
        with self._lock:
            self._pending += copies
        for job, delay in zip(jobs, delays, strict=True):
            if url is None:
                job.error = f"no URL for function {route.function!r}"
                self._finish(job)
            elif not self.chaos:
                self._dispatch(job)
            elif not self._delays.schedule(delay, job):
                self._done()

    def _dispatch(self, job: _Job) -> None:
        """Hand a job to a delivery thread (called directly or by the delay queue)."""
        try:
            self._pool.submit(self._attempt, job)
        except RuntimeError:  # the pool shut down under us: the router is stopping
            job.error = _join(job.error, "router stopped")
            self._finish(job)

    def _attempt(self, job: _Job) -> None:
        try:
            job.attempts += 1
            job.last_attempt_at = time.time()
            if job.first_attempt_at is None:
                job.first_attempt_at = job.last_attempt_at
            try:
                response = _session().post(job.url, data=job.body, headers=job.headers,
                                           timeout=job.route.timeout_seconds)
                job.status, job.error = response.status_code, None
                if not job.ok:
                    job.error = response.text[:500] or None
            except requests.RequestException as exc:
                job.status, job.error = None, repr(exc)
                logger.info("delivery to %s failed: %r", job.route.function, exc)
            if job.ok or not job.retryable or job.attempts >= self.max_attempts:
                self._finish(job)
            elif self._stop.is_set() or not self._delays.schedule(self._backoff(job), job):
                job.error = _join(job.error, "router stopped before the next retry")
                self._finish(job)
        except Exception as exc:
            logger.exception("delivery to %s crashed", job.route.function)
            job.error = _join(job.error, f"router error: {exc!r}")
            self._finish(job)

    def _backoff(self, job: _Job) -> float:
        with self._lock:
            jitter = self._rng.uniform(0.5, 1.0)
        return jitter * min(self.backoff_base * 2 ** (job.attempts - 1), self.backoff_cap)

    def _finish(self, job: _Job) -> None:
        """Record the outcome of a job (exactly once); a failure becomes a dead letter."""
        try:
            delivery = Delivery(job.route.function, job.event_type, job.subject, job.status,
                                job.attempts, time.time(), job.event_id, job.error)
            with self._lock:
                self.deliveries.append(delivery)
            if not job.ok:
                self._dead_letter(job)
            if self.on_delivery is not None:
                self.on_delivery(delivery)
        except Exception:
            logger.exception("recording a delivery to %s failed", job.route.function)
        finally:
            self._done()

    def _done(self) -> None:
        with self._lock:
            self._pending -= 1

    def _dead_letter(self, job: _Job) -> None:
        now = time.time()
        letter = DeadLetter.build(
            function=job.route.function, url=job.url, trigger=job.route.trigger,
            resource=job.route.resource, event_id=job.event_id, event_type=job.event_type,
            subject=job.subject, headers=job.headers, body=job.body, last_status=job.status,
            error=job.error, attempts=job.attempts,
            first_attempt_at=job.first_attempt_at or now,
            last_attempt_at=job.last_attempt_at or now,
            timeout_seconds=float(job.route.timeout_seconds),
        )
        with self._lock:
            self.dead_letters.append(letter)
        where = "(not persisted: no dead_letter_dir)"
        if self.dead_letter_dir is not None:
            try:
                where = f"→ {letter.write(self.dead_letter_dir)}"
            except OSError as exc:
                where = f"(could not be written to {self.dead_letter_dir}: {exc!r})"
        logger.error("dead letter: %s %s", letter.describe(), where)
        if self.on_dead_letter is not None:
            try:
                self.on_dead_letter(letter)
            except Exception:
                logger.exception("on_dead_letter callback failed")

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
                        self.publish(route, event)

        thread = threading.Thread(target=poll, name="storage-poller", daemon=True)
        thread.start()
        self._threads.append(thread)

    # -- firestore ---------------------------------------------------------------------

    def _start_firestore_watch(self, target: tuple[str, bool], routes: list[Route],
                               resync: bool = False) -> None:
        """One listener per watched collection (a collection group when a pattern is
        nested), shared by every route on it; each route keeps its own before-state, as
        each Eventarc trigger does. ``path_matches`` filters what a group over-selects.

        The first snapshot of the first listener is the baseline (what existed before
        the router started). A listener that replaces a dead one (``resync``) instead
        compares its first snapshot with what each route last saw, so every write made
        while no listener was running is still announced, deletes included."""
        collection_id, nested = target
        db = firestore.Client(project=self.project)
        query: Any = (db.collection_group(collection_id) if nested
                      else db.collection(collection_id)._query())
        initial = threading.Event()

        def on_snapshot(_docs: Any, changes: Any, _read_time: Any) -> None:
            try:
                if not initial.is_set() and not resync:
                    for change in changes:  # baseline: what existed before we started
                        snap = change.document
                        with self._lock:
                            for route in routes:
                                self._last_seen[(_route_key(route), snap.reference.path)] = (
                                    snap.to_dict() or {}, snap.create_time, snap.update_time)
                    initial.set()
                    return
                if not initial.is_set():
                    changes = [*changes, *self._vanished(db, routes, changes)]
                    initial.set()
                for change in changes:
                    for route in routes:
                        self._on_change(route, _route_key(route), change)
            except Exception:  # an exception here would kill the listener for good
                logger.exception("firestore listener on %s failed on a change",
                                 collection_id)

        watch = _ChangesOnlyWatch.for_query(query, on_snapshot, DocumentSnapshot)
        self._watches.append(watch)
        self._watch_of[target] = watch
        if not initial.wait(timeout=10):
            logger.warning("no initial snapshot for %s within 10 s", collection_id)

    def _vanished(self, db: firestore.Client, routes: list[Route],
                  present: list[Any]) -> list[Any]:
        """Deletes a resynced listener cannot see: documents a route knew that are gone."""
        here = {change.document.reference.path for change in present}
        with self._lock:
            known = {path for (key, path) in self._last_seen
                     if key in {_route_key(r) for r in routes}}
        gone = []
        for path in sorted(known - here):
            snap = DocumentSnapshot(reference=db.document(path), data=None, exists=False,
                                    read_time=None, create_time=None, update_time=None)
            gone.append(DocumentChange(ChangeType.REMOVED, snap, -1, -1))
        return gone

    def _watchdog(self) -> None:
        """A listener whose stream ended for good (the client gives up on some errors,
        and then says nothing) is replaced, and says so: silence would lose events."""
        while not self._stop.wait(1.0):
            for target, routes in self._watched.items():
                watch = self._watch_of.get(target)
                if watch is None or watch.is_active or self._stop.is_set():
                    continue
                logger.error("firestore listener on %s stopped; starting a new one and "
                             "resyncing", target[0])
                try:
                    self._start_firestore_watch(target, routes, resync=True)
                except Exception:
                    logger.exception("could not restart the listener on %s", target[0])

    def _on_change(self, route: Route, key: str, change: Any) -> None:
        snap = change.document
        path: str = snap.reference.path
        if route.resource is None or not path_matches(route.resource.strip("/"), path):
            return
        removed = change.type == ChangeType.REMOVED
        current: _Snapshot | None = None
        with self._lock:
            previous = self._last_seen.get((key, path))
            if removed:
                self._last_seen.pop((key, path), None)
            else:
                current = (snap.to_dict() or {}, snap.create_time, snap.update_time)
                if previous is not None and previous[2] == current[2]:
                    return  # a listener re-sync re-announced a version we already sent
                self._last_seen[(key, path)] = current
        event_type = route.event_type or WRITTEN
        wanted = {CREATED: not removed and previous is None,
                  UPDATED: not removed and previous is not None,
                  DELETED: removed}.get(event_type, True)
        if not wanted:
            return
        if current is None:
            # A delete of a version this route never saw (created and deleted between
            # two snapshots) still carries the last state the listener knows.
            before = previous[0] if previous else (snap.to_dict() or {})
            before_times = (previous[1], previous[2]) if previous else (
                snap.create_time, snap.update_time)
            event = cloudevents_http.firestore_written(
                self.project, path, before, None, before_times=before_times,
                event_type=event_type)
        else:
            before_fields = previous[0] if previous else None
            event = cloudevents_http.firestore_written(
                self.project, path, before_fields, current[0],
                before_times=(previous[1], previous[2]) if previous else (None, None),
                after_times=(current[1], current[2]),
                update_mask=changed_fields(before_fields, current[0]),
                event_type=event_type,
            )
        self.publish(route, event)

    # -- schedule ----------------------------------------------------------------------

    def _start_scheduler(self, routes: list[Route], interval: float) -> None:
        """A local Cloud Scheduler: POST ``{}`` every ``interval`` s (first after one
        interval, as cron would), with the headers Cloud Scheduler sends."""

        def tick() -> None:
            while not self._stop.wait(interval):
                for route in routes:
                    fired = datetime.now(UTC).isoformat().replace("+00:00", "Z")
                    headers = {
                        "Content-Type": "application/json",
                        "User-Agent": "Google-Cloud-Scheduler",
                        "X-CloudScheduler": "true",
                        "X-CloudScheduler-JobName": f"local-{route.function}",
                        "X-CloudScheduler-ScheduleTime": fired,
                    }
                    self._submit(route, headers, json.dumps({}).encode(),
                                 event_id=uuid.uuid4().hex, event_type=SCHEDULE_EVENT_TYPE,
                                 subject=f"schedule {route.resource or ''}".strip())

        thread = threading.Thread(target=tick, name="local-scheduler", daemon=True)
        thread.start()
        self._threads.append(thread)

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


_SESSIONS = threading.local()


def _session() -> requests.Session:
    """One kept-alive connection pool per delivery thread (a new TCP connection for each
    of thousands of deliveries cost the router more CPU than the functions spent)."""
    session: requests.Session | None = getattr(_SESSIONS, "session", None)
    if session is None:
        session = _SESSIONS.session = requests.Session()
        session.trust_env = False  # loopback only: no proxy lookups on every request
    return session


class _ChangesOnlyWatch(Watch):
    """The client's ``Watch`` keeps the result set ordered: it copies its whole document
    tree for every change and sorts all documents with a Python comparator on every
    push, which under a burst made the router, not the functions, the bottleneck. The
    router needs only the changes, so this one keeps a plain map (no order, no indexes)
    and applies exactly the client's rules for what counts as a change."""

    def push(self, read_time: Any, next_resume_token: Any) -> None:
        deletes, adds, updates = self._extract_changes(self.doc_map, self.change_map,
                                                       read_time)
        tree, doc_map, applied = self._compute_snapshot(self.doc_tree, self.doc_map,
                                                        deletes, adds, updates)
        if not self.has_pushed or len(applied):
            self._snapshot_callback([], applied, read_time)
            self.has_pushed = True
        self.doc_tree = tree
        self.doc_map = doc_map
        self.change_map.clear()
        self.resume_token = next_resume_token

    def _compute_snapshot(self, doc_tree: Any, doc_map: dict[str, Any],
                          delete_changes: list[str], add_changes: list[Any],
                          update_changes: list[Any]) -> tuple[Any, dict[str, Any], list[Any]]:
        changes: list[Any] = []
        for name in delete_changes:
            old = doc_map.pop(name)
            changes.append(DocumentChange(ChangeType.REMOVED, old, -1, -1))
        for snap in add_changes:
            doc_map[snap.reference._document_path] = snap
            changes.append(DocumentChange(ChangeType.ADDED, snap, -1, -1))
        for snap in update_changes:
            name = snap.reference._document_path
            if doc_map[name].update_time != snap.update_time:
                doc_map[name] = snap
                changes.append(DocumentChange(ChangeType.MODIFIED, snap, -1, -1))
        return _SnapshotsOf(doc_map), doc_map, changes


class _SnapshotsOf:
    """What ``Watch`` asks of its document tree besides ordering: the snapshots
    (``keys()``, used to re-announce everything after a stream reset) and the size."""

    def __init__(self, doc_map: dict[str, Any]) -> None:
        self._map = doc_map

    def keys(self) -> list[Any]:
        return list(self._map.values())

    def __len__(self) -> int:
        return len(self._map)


def _nanos(stamp: Any) -> int | None:
    """A commit time as integer nanoseconds, whichever type the client handed it in."""
    if stamp is None:
        return None
    if hasattr(stamp, "seconds") and hasattr(stamp, "nanos"):  # protobuf Timestamp
        return int(stamp.seconds) * 1_000_000_000 + int(stamp.nanos)
    return to_nanos(stamp)


def _watch_target(route: Route) -> tuple[str, bool]:
    """What a Firestore route's listener watches: (collection id, as a collection group)."""
    if route.resource is None:
        raise ValueError(f"firestore route of {route.function} has no path pattern")
    parts = route.resource.strip("/").split("/")
    collection_id = parts[-2] if len(parts) >= 2 else ""
    if len(parts) % 2 or not collection_id or _is_wildcard(collection_id):
        raise ValueError(f"unsupported Firestore path pattern {route.resource!r} "
                         f"(route of {route.function}): need …/collection/{{id}}")
    return collection_id, len(parts) > 2


def _route_key(route: Route) -> str:
    """Identifies a trigger: two routes to one function on different patterns differ."""
    return f"{route.function}|{route.trigger}|{route.event_type}|{route.resource}"


def _is_wildcard(segment: str) -> bool:
    return segment.startswith("{") and segment.endswith("}")


def _join(first: str | None, second: str) -> str:
    return f"{first}; {second}" if first else second
