"""One Firestore client per process, created lazily (functions reuse it across calls)."""

from __future__ import annotations

from functools import lru_cache

from google.cloud import firestore

from shared.config import get_settings


@lru_cache(maxsize=1)
def get_db() -> firestore.Client:
    return firestore.Client(project=get_settings().project)
