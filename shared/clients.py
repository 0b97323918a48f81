"""The cloud clients of a process, each built once, lazily (functions reuse them across
invocations, and every module asks here instead of building its own)."""

from __future__ import annotations

from functools import lru_cache

import google.cloud.storage as storage
from google.cloud import firestore

from shared.config import get_settings


@lru_cache(maxsize=1)
def get_db() -> firestore.Client:
    return firestore.Client(project=get_settings().project)


@lru_cache(maxsize=1)
def get_storage() -> storage.Client:
    return storage.Client(project=get_settings().project)


def reset_clients() -> None:
    """Forget the clients (tests that point the process at other emulators)."""
    get_db.cache_clear()
    get_storage.cache_clear()
