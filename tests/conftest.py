"""Test harness: the local cloud, started once per run, wiped between tests.

- ``local_cloud`` (session): the real emulators (Firestore with ``firestore.rules``,
  Pub/Sub, Storage) on free loopback ports, with their variables in ``os.environ``.
- ``firestore_client`` / ``storage_bucket``: clients on those emulators; data wiped first.
- ``running_functions`` (session): every routed function in its own functions-framework
  process; ``event_router`` (per test) watches the emulators and posts CloudEvents to them.
  A test using it fails if any event ended as a dead letter (they go to the test's tmp
  dir). ``LOCALCLOUD_CHAOS=1 pytest …`` makes that router deliver every event 1–3 times,
  shuffled and delayed (``LOCALCLOUD_CHAOS_SEED`` repeats a run).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import google.cloud.storage as storage
import pytest
from google.cloud import firestore

from shared.config import get_settings
from shared.localcloud.cloud import LocalCloud
from shared.localcloud.emulators import Emulators
from shared.localcloud.router import CHAOS_SEED_ENV, EventRouter, chaos_from_env


def pytest_report_header() -> str | None:
    if not chaos_from_env():
        return None
    return (f"LOCALCLOUD_CHAOS: routers deliver each event 1-3 times, shuffled, delayed "
            f"(seed from {CHAOS_SEED_ENV} or logged per router)")


@pytest.fixture(scope="session")
def local_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloud]:
    # Dead letters of a test run stay out of `make up`'s re-drive queue (.localcloud/).
    cloud = LocalCloud(dead_letter_dir=tmp_path_factory.mktemp("dead-letters"))
    cloud.start_emulators()
    get_settings.cache_clear()
    _reset_clients()
    try:
        yield cloud
    finally:
        cloud.stop()


def _reset_clients() -> None:
    from shared.clients import reset_clients

    reset_clients()


@pytest.fixture
def emulators(local_cloud: LocalCloud) -> Emulators:
    assert local_cloud.emulators is not None
    return local_cloud.emulators


@pytest.fixture
def firestore_client(emulators: Emulators) -> firestore.Client:
    emulators.wipe()
    return firestore.Client(project=emulators.project)


@pytest.fixture
def storage_bucket(emulators: Emulators) -> storage.Bucket:
    emulators.wipe()
    return storage.Client(project=emulators.project).bucket(emulators.bucket)


@pytest.fixture(scope="session")
def running_functions(local_cloud: LocalCloud) -> LocalCloud:
    if local_cloud.functions is None:
        local_cloud.start_functions()
    return local_cloud


@pytest.fixture
def event_router(running_functions: LocalCloud, tmp_path: Path) -> Iterator[EventRouter]:
    assert running_functions.emulators is not None
    running_functions.emulators.wipe()
    running_functions.dead_letter_dir = tmp_path / "dead-letters"
    router = running_functions.start_router()
    try:
        yield router
        # Let delayed copies and retries finish, so a late failure still counts here.
        router.wait_idle(timeout=120)
    finally:
        running_functions.stop_router()
    assert not router.dead_letters, "events ended as dead letters:\n" + "\n".join(
        letter.describe() for letter in router.dead_letters)


@pytest.fixture(autouse=True)
def _fresh_settings() -> Iterator[None]:
    """Settings are cached per process; a test that changes the environment (through
    ``monkeypatch``) must not leak its settings into the next test."""
    yield
    get_settings.cache_clear()
