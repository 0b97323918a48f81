"""Firestore's own document-size arithmetic, to prove documents stay far below 1 MiB.

Rules from the Firestore "storage size" documentation: a string is its UTF-8 length + 1,
numbers, timestamps and references 8 (references: their path), booleans and null 1, a map
or array the sum of its entries (map keys count as strings), a document its name plus its
fields plus 32 bytes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

FIRESTORE_MAX_DOCUMENT_BYTES = 1_048_576


def value_size(value: Any) -> int:
    if value is None or isinstance(value, bool):
        return 1
    if isinstance(value, int | float | datetime):
        return 8
    if isinstance(value, str):
        return len(value.encode("utf-8")) + 1
    if isinstance(value, bytes):
        return len(value)
    if isinstance(value, dict):
        return sum(value_size(str(k)) + value_size(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return sum(value_size(v) for v in value)
    return len(str(value).encode("utf-8")) + 1


def document_size(path: str, fields: dict[str, Any]) -> int:
    """Size of the document at ``path`` (e.g. ``documents/abc``) holding ``fields``."""
    name = sum(len(part.encode("utf-8")) + 1 for part in path.split("/")) + 16
    return name + value_size(fields) + 32
