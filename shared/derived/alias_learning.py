"""Learn the spelling the OCR saw as an alias of the master a person chose.

When a person moves a document to customer (office) M, the OCR's reading of the name is
evidence that this spelling means M. It becomes one of M's ``aliases`` (with an
``aliasLearningLogs`` entry) unless that would be unsafe:
- already known: it normalises to M's name, furigana, short name or an existing alias;
- ambiguous: it normalises to another master's name, short name or alias (a second
  master would then match it, the same-name trap the field taught us);
- too short: fewer than ``MIN_ALIAS_CHARS`` characters after normalisation (short strings
  match inside unrelated names).
The decision is pure (``decide``); ``learn`` reads the masters and applies it in a
transaction whose log id is derived from the change, so a repeat learns nothing twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from google.cloud import firestore

from shared.normalize import normalize_key

ALIAS_LEARNING_LOGS = "aliasLearningLogs"
MIN_ALIAS_CHARS = 3
Outcome = Literal["learned", "known", "ambiguous", "too_short", "no_master", "repeat"]
# masters/{type} → the seed's masterType in aliasLearningLogs
MASTER_TYPE_NAME = {"customers": "customer", "offices": "office", "documents": "document"}


def spellings_of(master: dict[str, Any]) -> set[str]:
    """Every normalised spelling a master already answers to."""
    raw: list[Any] = [master.get("name"), master.get("furigana"), master.get("shortName")]
    aliases = master.get("aliases")
    if isinstance(aliases, list):
        raw.extend(aliases)
    out = set()
    for value in raw:
        if isinstance(value, str) and value.strip():
            key = normalize_key(value)
            if key:
                out.add(key)
    return out


def decide(spelling: str, master_id: str,
           masters: Iterable[tuple[str, dict[str, Any]]]) -> Outcome:
    """Whether ``spelling`` may become an alias of ``master_id`` (no I/O)."""
    key = normalize_key(spelling)
    if len(key) < MIN_ALIAS_CHARS:
        return "too_short"
    chosen: dict[str, Any] | None = None
    others: list[dict[str, Any]] = []
    for mid, master in masters:
        if mid == master_id:
            chosen = master
        else:
            others.append(master)
    if chosen is None:
        return "no_master"
    if key in spellings_of(chosen):
        return "known"
    if any(key in spellings_of(other) for other in others):
        return "ambiguous"
    return "learned"


@dataclass(frozen=True)
class LearningRequest:
    master_type: str  # "customers" | "offices"
    master_id: str
    spelling: str
    learned_by: str
    learned_by_email: str | None
    document_id: str
    log_id: str


def _items(db: firestore.Client, master_type: str) -> firestore.CollectionReference:
    return db.collection("masters").document(master_type).collection("items")


def learn(db: firestore.Client, request: LearningRequest) -> Outcome:
    """Apply ``decide`` and, when it says so, add the alias and its log atomically."""
    rows = [(snap.id, snap.to_dict() or {})
            for snap in _items(db, request.master_type).stream()]
    outcome = decide(request.spelling, request.master_id, rows)
    if outcome != "learned":
        return outcome
    master_ref = _items(db, request.master_type).document(request.master_id)
    log_ref = db.collection(ALIAS_LEARNING_LOGS).document(request.log_id)

    @firestore.transactional
    def attempt(tx: firestore.Transaction) -> Outcome:
        log_snap, master_snap = log_ref.get(transaction=tx), master_ref.get(transaction=tx)
        if log_snap.exists:
            return "repeat"
        if not master_snap.exists:
            return "no_master"
        master = master_snap.to_dict() or {}
        if normalize_key(request.spelling) in spellings_of(master):
            return "known"
        now = datetime.now(UTC)
        tx.update(master_ref, {"aliases": firestore.ArrayUnion([request.spelling]),
                               "updatedAt": now})
        tx.set(log_ref, {
            "masterType": MASTER_TYPE_NAME.get(request.master_type, request.master_type),
            "masterId": request.master_id,
            "masterName": master.get("name"),
            "alias": request.spelling,
            "learnedBy": request.learned_by,
            "learnedByEmail": request.learned_by_email,
            "learnedAt": now,
            "documentId": request.document_id,
        })
        return "learned"

    result: Outcome = attempt(db.transaction())
    return result
