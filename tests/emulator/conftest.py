"""Fixtures shared by the pipeline tests on the emulators."""

from __future__ import annotations

from collections.abc import Iterator

import google.cloud.storage as storage
import pytest
from google.cloud import firestore

from shared.derived.settings import get_derived_settings
from shared.handlers.process_document import processing_deps
from tests.fakes.pipeline_driver import PipelineDriver


@pytest.fixture(autouse=True)
def _fresh_processing_deps() -> Iterator[None]:
    """Processing dependencies (engines, masters cache) are cached per process; each test
    builds its own from the environment it sets."""
    processing_deps.cache_clear()
    yield
    processing_deps.cache_clear()


@pytest.fixture(autouse=True)
def _short_group_windows(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """In-process tests settle groups by hand (``settle_groups``): no need to wait out
    production's two-second windows for that."""
    monkeypatch.setenv("DERIVED_GROUP_WINDOW_SECONDS", "0.05")
    monkeypatch.setenv("DERIVED_GROUP_SETTLE_SECONDS", "0")
    get_derived_settings.cache_clear()
    yield
    get_derived_settings.cache_clear()


@pytest.fixture
def driver(firestore_client: firestore.Client, storage_bucket: storage.Bucket) -> PipelineDriver:
    return PipelineDriver(firestore_client, storage_bucket)
