"""The local Eventarc stand-in delivers every kind of event, in production's formats, to a
function running under functions-framework in its own process; keeps a before-state per
route; under chaos delivers duplicated, shuffled, delayed copies; never drops a failed
event silently (dead letters, re-drivable); survives a function process crash; and runs
scheduled functions."""

from __future__ import annotations

import itertools
import json
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import google.cloud.pubsub_v1 as pubsub_v1
import google.cloud.storage as storage
import pytest
from cloudevents.http import from_http
from google.cloud import firestore

from shared.events.firestore import FirestoreChange, parse_firestore_event
from shared.localcloud import redrive
from shared.localcloud.cloud import FunctionProcesses, LocalCloud
from shared.localcloud.cloudevents_http import HttpEvent
from shared.localcloud.dead_letters import DeadLetter, load_dead_letters
from shared.localcloud.delivery_queue import DelayQueue
from shared.localcloud.emulators import Emulators
from shared.localcloud.ports import free_port, wait_for_port
from shared.localcloud.router import SCHEDULE_EVENT_TYPE, EventRouter
from shared.routing import Route

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
WRITTEN = "google.cloud.firestore.document.v1.written"
ECHO_ROUTES = (
    Route(function="echo_function", entry_point="echo", trigger="storage",
          event_type="google.cloud.storage.object.v1.finalized", resource="documents_bucket"),
    Route(function="echo_function", entry_point="echo", trigger="firestore",
          event_type=WRITTEN, resource="documents/{docId}"),
    Route(function="echo_function", entry_point="echo", trigger="firestore",
          event_type=WRITTEN, resource="masters/{type}/items/{itemId}"),
    Route(function="echo_function", entry_point="echo", trigger="pubsub",
          event_type="google.cloud.pubsub.topic.v1.messagePublished",
          resource="gmail-notifications"),
)


# -- a recording HTTP server standing in for functions ------------------------------------


@dataclass
class Received:
    """One request a recorded "function" got."""

    function: str
    headers: dict[str, str]
    body: bytes
    at: float

    def firestore_change(self) -> FirestoreChange:
        event = from_http(self.headers, self.body, data_unmarshaller=lambda raw: raw)
        return parse_firestore_event(event)


@dataclass
class Recorder:
    """Answers ``POST /<function>`` with ``status[function]`` (default 200), recording it."""

    requests: list[Received] = field(default_factory=list)
    status: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    def start(self) -> None:
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                name = self.path.strip("/")
                with recorder._lock:
                    recorder.requests.append(
                        Received(name, dict(self.headers.items()), body, time.monotonic()))
                    code = recorder.status.get(name, 200)
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def url(self, function: str) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/{function}"

    def received(self, function: str) -> list[Received]:
        with self._lock:
            return [r for r in self.requests if r.function == function]


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    rec = Recorder()
    rec.start()
    try:
        yield rec
    finally:
        rec.stop()


@dataclass
class CountingRouter(EventRouter):
    """Remembers every event it publishes, so a test can pace its writes: one listener
    change per write, never two writes coalesced into one change."""

    published: list[tuple[str, HttpEvent]] = field(default_factory=list)

    def publish(self, route: Route, event: HttpEvent) -> None:
        with self._lock:
            self.published.append((route.function, event))
        super().publish(route, event)

    def published_to(self, function: str) -> int:
        with self._lock:
            return sum(1 for name, _ in self.published if name == function)

    def wait_published(self, functions: tuple[str, ...], count: int) -> None:
        """Until each of ``functions`` was published ``count`` events."""
        _wait_for(lambda: min(self.published_to(f) for f in functions) >= count,
                  what=f"{count} events for each of {functions}")

    def published_afters(self, function: str, path: str) -> list[dict[str, Any] | None]:
        with self._lock:
            events = [event for name, event in self.published if name == function]
        changes = [Received(function, event.headers, event.body, 0).firestore_change()
                   for event in events]
        return [c.after for c in changes if c.document_path == path]


def _wait_for(predicate: Callable[[], Any], timeout: float = 30.0, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what or predicate}")


def _firestore_route(function: str, resource: str = "things/{thingId}") -> Route:
    return Route(function=function, entry_point="unused", trigger="firestore",
                 event_type=WRITTEN, resource=resource, timeout_seconds=10)


def _assert_chain(changes: list[FirestoreChange]) -> None:
    """First before is None, each before is the previous after, a delete's after is None."""
    assert changes, "no events"
    assert changes[0].before is None
    for previous, current in itertools.pairwise(changes):
        assert current.before == previous.after, (previous, current)


def _ordered(changes: list[FirestoreChange]) -> list[FirestoreChange]:
    """In write order: by the counter the test writes, the delete last."""
    return sorted(changes, key=lambda c: c.after["n"] if c.after is not None else 1 << 30)


# -- formats ------------------------------------------------------------------------------


@pytest.fixture
def echo_cloud(local_cloud: LocalCloud, tmp_path: Path) -> Iterator[tuple[EventRouter, Path]]:
    emulators = local_cloud.emulators
    assert emulators is not None
    emulators.wipe()
    out = tmp_path / "echo.jsonl"
    out.touch()
    functions = FunctionProcesses(tmp_path / "logs", {**emulators.env(), "ECHO_OUTPUT": str(out)},
                                  routes=ECHO_ROUTES, source_root=FIXTURES)
    functions.start()
    # Exact counts and order below: no chaos here, whatever LOCALCLOUD_CHAOS says.
    router = EventRouter(emulators.project, emulators.bucket, functions.urls, routes=ECHO_ROUTES,
                         chaos=False, dead_letter_dir=tmp_path / "dead-letters")
    router.start()
    try:
        yield router, out
    finally:
        router.stop()
        functions.stop()


def _seen(out: Path, count: int, timeout: float = 30) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    lines: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
        if len(lines) >= count:
            return lines
        time.sleep(0.1)
    raise AssertionError(f"expected {count} events, saw {lines}")


def test_router_delivers_storage_firestore_and_pubsub_events(
    echo_cloud: tuple[EventRouter, Path], local_cloud: LocalCloud
) -> None:
    router, out = echo_cloud
    emulators = local_cloud.emulators
    assert emulators is not None
    db = firestore.Client(project=emulators.project)
    bucket = storage.Client(project=emulators.project).bucket(emulators.bucket)

    blob = bucket.blob("gmail/FAX受信_0312345678.pdf")
    blob.upload_from_string(b"%PDF-1.4 fax", content_type="application/pdf")
    ref = db.collection("documents").document("doc-1")
    ref.set({"customerName": "田中 花子", "status": "pending"})
    _seen(out, 2)
    ref.update({"status": "processed"})
    db.collection("masters").document("customers").collection("items").document("C001").set(
        {"name": "田中 花子", "furigana": "タナカ ハナコ"})
    db.collection("errors").document("e1").set({"errorType": "システムエラー"})  # not routed
    publisher = pubsub_v1.PublisherClient()
    topic = publisher.topic_path(emulators.project, "gmail-notifications")
    publisher.publish(topic, b'{"emailAddress":"fax@example.jp","historyId":"42"}').result()
    ref.delete()

    seen = _seen(out, 6)
    assert router.wait_idle()
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for item in _seen(out, 6):
        by_kind.setdefault(item["kind"], []).append(item)
    assert [s["key"] for s in by_kind["storage"]] == [
        f"{emulators.bucket}/gmail/FAX受信_0312345678.pdf#{blob.generation}"]
    doc_events = [e for e in by_kind["firestore"] if e["path"] == "documents/doc-1"]
    assert [(e["before"] or {}).get("status") for e in doc_events] == [None, "pending", "processed"]
    assert [(e["after"] or {}).get("status") for e in doc_events] == ["pending", "processed", None]
    assert doc_events[1]["mask"] == ["status"]
    assert [e["path"] for e in by_kind["firestore"] if e["path"].startswith("masters/")] == [
        "masters/customers/items/C001"]
    assert json.loads(by_kind["pubsub"][0]["data"]) == {"emailAddress": "fax@example.jp",
                                                        "historyId": "42"}
    assert len(seen) == 6
    assert all(d.status == 200 for d in router.deliveries)
    assert router.dead_letters == []


# -- before-state per route ---------------------------------------------------------------


@pytest.fixture
def wiped(local_cloud: LocalCloud) -> Emulators:
    emulators = local_cloud.emulators
    assert emulators is not None
    emulators.wipe()
    return emulators


def _two_route_router(emulators: Emulators, recorder: Recorder, tmp_path: Path,
                      **options: Any) -> CountingRouter:
    routes = (_firestore_route("rec_a"), _firestore_route("rec_b"))
    return CountingRouter(emulators.project, emulators.bucket,
                          {"rec_a": recorder.url("rec_a"), "rec_b": recorder.url("rec_b")},
                          routes=routes, dead_letter_dir=tmp_path / "dead-letters", **options)


def test_two_routes_on_one_path_each_get_their_own_before(
    wiped: Emulators, recorder: Recorder, tmp_path: Path
) -> None:
    router = _two_route_router(wiped, recorder, tmp_path, chaos=False)
    router.start()
    db = firestore.Client(project=wiped.project)
    try:
        paced = db.collection("things").document("paced")
        for n in range(4):  # one listener change per write: wait for both routes' event
            if n < 2:
                paced.set({"n": n, "label": f"v{n}"})
            else:
                paced.update({"n": n})
            router.wait_published(("rec_a", "rec_b"), n + 1)
        paced.delete()
        rapid = db.collection("things").document("rapid")  # may coalesce: chain still holds
        for n in range(6):
            rapid.set({"n": n})
        # The listener converges on the last state; delete only after both routes saw it
        # (a document created and deleted within one snapshot raises no event at all).
        _wait_for(lambda: all({"n": 5} in router.published_afters(name, "things/rapid")
                              for name in ("rec_a", "rec_b")), what="things/rapid n=5")
        rapid.delete()
        _wait_for(lambda: all(None in router.published_afters(name, "things/rapid")
                              for name in ("rec_a", "rec_b")), what="things/rapid deleted")
        assert router.wait_idle()
    finally:
        router.stop()

    for name in ("rec_a", "rec_b"):
        changes = [r.firestore_change() for r in recorder.received(name)]
        paced_changes = _ordered([c for c in changes if c.document_path == "things/paced"])
        assert [c.after["n"] if c.after else None for c in paced_changes] == [0, 1, 2, 3, None]
        _assert_chain(paced_changes)
        assert paced_changes[1].update_mask == ("label", "n")
        assert paced_changes[2].update_mask == ("n",)
        assert paced_changes[-1].before == {"n": 3, "label": "v1"}
        rapid_changes = _ordered([c for c in changes if c.document_path == "things/rapid"])
        _assert_chain(rapid_changes)
        assert rapid_changes[-1].after is None
        assert rapid_changes[-1].before == {"n": 5}
    assert all(d.status == 200 for d in router.deliveries)
    assert router.dead_letters == []


# -- chaos --------------------------------------------------------------------------------


def test_chaos_duplicates_and_delays_copies_and_wait_idle_waits_for_all(
    wiped: Emulators, recorder: Recorder, tmp_path: Path
) -> None:
    writes = 4
    router = _two_route_router(wiped, recorder, tmp_path, chaos=True, seed=7)
    router.start()
    db = firestore.Client(project=wiped.project)
    ref = db.collection("things").document("shaken")
    try:
        for n in range(writes):
            ref.set({"n": n})
            router.wait_published(("rec_a", "rec_b"), n + 1)
        assert router.wait_idle(timeout=30)
        delivered = len(recorder.requests)
        assert delivered == len(router.deliveries)
        time.sleep(router.chaos_max_delay + 0.3)  # nothing was still held back
        assert len(recorder.requests) == delivered
    finally:
        router.stop()

    copies_of: dict[str, int] = {}
    for name in ("rec_a", "rec_b"):
        received = recorder.received(name)
        assert len(received) >= writes
        by_id: dict[str, FirestoreChange] = {}
        for request in received:
            change = request.firestore_change()
            copies_of[change.event_id] = copies_of.get(change.event_id, 0) + 1
            assert by_id.setdefault(change.event_id, change) == change  # copies are equal
        assert len(by_id) == writes
        _assert_chain(_ordered(list(by_id.values())))
    assert max(copies_of.values()) >= 2, "no event was duplicated"
    assert max(copies_of.values()) <= 3
    assert all(d.status == 200 for d in router.deliveries)


def test_delay_queue_hands_items_over_in_time_order_and_returns_the_rest_on_stop() -> None:
    got: list[str] = []
    queue: DelayQueue[str] = DelayQueue(got.append)
    queue.schedule(0.3, "late")
    queue.schedule(0.1, "early")
    queue.schedule(60, "never")
    _wait_for(lambda: len(got) == 2, timeout=5)
    assert got == ["early", "late"]
    assert len(queue) == 1
    assert queue.stop() == ["never"]
    assert not queue.schedule(0, "after stop")


# -- dead letters and redrive -------------------------------------------------------------


def test_failing_function_leaves_one_dead_letter_that_redrive_delivers(
    wiped: Emulators, recorder: Recorder, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dead_dir = tmp_path / "dead-letters"
    recorder.status["rec_fail"] = 500
    gone = f"http://127.0.0.1:{free_port()}/"  # nothing listens: connection refused
    landed: list[DeadLetter] = []
    router = EventRouter(
        wiped.project, wiped.bucket, {"rec_fail": recorder.url("rec_fail"), "rec_gone": gone},
        routes=(_firestore_route("rec_fail"), _firestore_route("rec_gone", "gone/{id}")),
        chaos=False, max_attempts=3, backoff_base=0.01, backoff_cap=0.05,
        dead_letter_dir=dead_dir, on_dead_letter=landed.append)
    router.start()
    db = firestore.Client(project=wiped.project)
    try:
        db.collection("things").document("t1").set({"n": 1, "name": "田中"})
        db.collection("gone").document("g1").set({"n": 1})
        _wait_for(lambda: len(router.dead_letters) == 2, what="two dead letters")
        assert router.wait_idle()
    finally:
        router.stop()

    assert len(recorder.received("rec_fail")) == 3  # max_attempts, then given up
    by_function = {letter.function: letter for letter in router.dead_letters}
    assert sorted(by_function) == ["rec_fail", "rec_gone"]
    assert landed == router.dead_letters
    letter = by_function["rec_fail"]
    sent = recorder.received("rec_fail")[0]
    assert (letter.last_status, letter.attempts, letter.trigger, letter.resource) == (
        500, 3, "firestore", "things/{thingId}")
    assert (letter.event_type, letter.subject) == (WRITTEN, "documents/things/t1")
    assert letter.event_id == sent.headers["ce-id"] and letter.body == sent.body
    assert letter.first_attempt_at <= letter.last_attempt_at
    gone_letter = by_function["rec_gone"]
    assert gone_letter.last_status is None and "Connection" in (gone_letter.error or "")
    files = {letter.function: path for path, letter in load_dead_letters(dead_dir)}
    assert sorted(files) == ["rec_fail", "rec_gone"]
    on_disk = json.loads(files["rec_fail"].read_text(encoding="utf-8"))
    assert on_disk["id"] == letter.id and on_disk["headers"]["ce-id"] == letter.event_id
    assert [d.status for d in router.deliveries if d.function == "rec_fail"] == [500]

    # Re-drive while the function still fails: nothing moves, the command says so.
    endpoints = tmp_path / "endpoints.json"
    redrive.write_endpoints(endpoints, {"rec_fail": recorder.url("rec_fail_v2")})
    recorder.status["rec_fail_v2"] = 503
    args = ["--dir", str(dead_dir), "--endpoints", str(endpoints)]
    assert redrive.main(args) == 1
    assert files["rec_fail"].exists()
    assert redrive.main([*args, "--list"]) == 0
    assert "rec_fail ← " in capsys.readouterr().out

    # Fixed (and on a new URL): the same request is posted again and the letter moves.
    recorder.status["rec_fail_v2"] = 200
    assert redrive.main(args) == 1  # rec_gone has no endpoint: still reported as failing
    out = capsys.readouterr().out
    assert "1 redriven, 1 still failing" in out
    resent = recorder.received("rec_fail_v2")[-1]
    assert resent.body == sent.body and resent.headers["ce-id"] == sent.headers["ce-id"]
    assert not files["rec_fail"].exists()
    moved = dead_dir / "redriven" / files["rec_fail"].name
    assert json.loads(moved.read_text(encoding="utf-8"))["redrive_outcome"] == "HTTP 200"
    assert [p.name for p, _ in load_dead_letters(dead_dir)] == [files["rec_gone"].name]


# -- crash survival -----------------------------------------------------------------------


def test_killed_function_process_restarts_on_its_port_and_gets_the_retried_delivery(
    wiped: Emulators, tmp_path: Path
) -> None:
    out = tmp_path / "echo.jsonl"
    out.touch()
    routes = (ECHO_ROUTES[0],)  # storage → echo_function
    functions = FunctionProcesses(tmp_path / "logs", {**wiped.env(), "ECHO_OUTPUT": str(out)},
                                  routes=routes, source_root=FIXTURES)
    functions.start()
    router = EventRouter(wiped.project, wiped.bucket, functions.urls, routes=routes,
                         chaos=False, dead_letter_dir=tmp_path / "dead-letters")
    try:
        router.start()
        url = functions.urls["echo_function"]
        proc = functions.process("echo_function")
        old_pid = proc.pid
        os.kill(old_pid, signal.SIGKILL)  # the instance crashes …
        bucket = storage.Client(project=wiped.project).bucket(wiped.bucket)
        bucket.blob("uploads/after-crash.pdf").upload_from_string(b"%PDF-1.4")  # … events go on
        _wait_for(lambda: proc.pid != old_pid and proc.alive(), what="a restarted process")
        wait_for_port(int(url.rsplit(":", 1)[1]), timeout=60, alive=proc.alive)
        assert router.wait_idle(timeout=60)
        assert functions.urls["echo_function"] == url and proc.restarts == 1
        assert [d.status for d in router.deliveries] == [200]
        assert router.dead_letters == []
        lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
        assert [line["key"].split("#")[0] for line in lines] == [
            f"{wiped.bucket}/uploads/after-crash.pdf"]
    finally:
        router.stop()
        functions.stop()
    assert not proc.alive()


# -- schedule -----------------------------------------------------------------------------


def test_scheduled_route_is_posted_an_empty_json_body_at_the_interval(
    recorder: Recorder, tmp_path: Path
) -> None:
    route = Route(function="rec_cron", entry_point="unused", trigger="schedule",
                  resource="*/10 * * * *", signature="http", timeout_seconds=10)
    urls = {"rec_cron": recorder.url("rec_cron")}
    off = EventRouter("p", "b", urls, routes=(route,), chaos=False)  # default: no schedule
    on = EventRouter("p", "b", urls, routes=(route,), chaos=False, schedule_interval=0.2,
                     dead_letter_dir=tmp_path / "dead-letters")
    off.start()
    on.start()
    try:
        _wait_for(lambda: len(on.deliveries) >= 2, timeout=10, what="two scheduled runs")
    finally:
        on.stop()
        off.stop()
    received = recorder.received("rec_cron")
    assert len(received) >= 2 and len(received) == len(on.deliveries)
    assert all(json.loads(r.body) == {} for r in received)
    assert received[0].headers["X-CloudScheduler"] == "true"
    assert received[0].headers["Content-Type"] == "application/json"
    assert {(d.function, d.event_type, d.status) for d in on.deliveries} == {
        ("rec_cron", SCHEDULE_EVENT_TYPE, 200)}
    assert off.deliveries == []
