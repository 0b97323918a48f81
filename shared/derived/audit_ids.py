"""Deterministic ids for audit entries: the same change always names the same entry.

Derived from the document path, the source update time (nanoseconds) and what the entry
is about, so a redelivered or re-run event rewrites one entry instead of adding another.
"""

from __future__ import annotations

import hashlib


def audit_id(document_path: str, version_nanos: int, subject: str) -> str:
    raw = f"{document_path}@{version_nanos}#{subject}"
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:32]
