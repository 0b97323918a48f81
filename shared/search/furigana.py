"""A customer's ``furigana`` from the masters: indexed with the customer's name, so a
search in kana finds documents whose OCR shows only kanji."""

from __future__ import annotations

from typing import Any

from google.cloud import firestore


class FuriganaLookup:
    """Reads each customer master once per lookup object (one per event or scan)."""

    def __init__(self, db: firestore.Client) -> None:
        self._db = db
        self._cache: dict[str, str | None] = {}

    def __call__(self, doc: dict[str, Any] | None) -> str | None:
        customer_id = (doc or {}).get("customerId")
        if not isinstance(customer_id, str) or not customer_id:
            return None
        if customer_id not in self._cache:
            snap = (self._db.collection("masters").document("customers")
                    .collection("items").document(customer_id).get())
            value = (snap.to_dict() or {}).get("furigana") if snap.exists else None
            self._cache[customer_id] = value if isinstance(value, str) else None
        return self._cache[customer_id]
