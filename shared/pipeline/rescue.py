"""The scheduled rescue: documents stuck in ``processing``, or ``pending`` and forgotten.

Runs every few minutes (``rescue_stuck``). A document ``processing`` for longer than
``stuck_after_seconds`` (longer than the 540 s function timeout, so its attempt is surely
dead) goes back to ``pending``, at most ``max_rescues`` times; after that it is an error
(システムエラー) a person must look at. A ``pending`` document whose ``retryAt`` has come,
or that nobody touched for ``stuck_after_seconds`` (its event was lost), is touched so
that its write event wakes ``process_document``. At most ``rescue_batch_limit`` documents
are looked at per run, so one run stays short however large the backlog. Giving up
writes ``status: error`` and its ``errors`` entry in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from google.cloud import firestore

from shared.pipeline import lifecycle
from shared.pipeline.settings import PipelineSettings


@dataclass
class RescueReport:
    examined: int = 0
    requeued: list[str] = field(default_factory=list)
    given_up: list[str] = field(default_factory=list)
    kicked: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {"examined": self.examined, "requeued": self.requeued,
                "givenUp": self.given_up, "kicked": self.kicked}


def rescue_stuck(db: firestore.Client, now: datetime, settings: PipelineSettings) -> RescueReport:
    """One rescue pass (idempotent: every action re-checks in its own transaction)."""
    report = RescueReport()
    stuck_after = timedelta(seconds=settings.stuck_after_seconds)
    documents = db.collection(lifecycle.DOCUMENTS)
    budget = settings.rescue_batch_limit
    for status in ("processing", "pending"):
        if budget <= 0:
            break
        query = documents.where(filter=firestore.FieldFilter("status", "==", status))
        for snap in query.limit(budget).stream():
            budget -= 1
            report.examined += 1
            doc = snap.to_dict() or {}
            decision = lifecycle.rescue_decision(doc, now, stuck_after, settings.max_rescues)
            if decision.action == "none":
                continue
            action = lifecycle.apply_rescue(db, snap.id, now, stuck_after, settings.max_rescues)
            if action == "requeue":
                report.requeued.append(snap.id)
            elif action == "kick":
                report.kicked.append(snap.id)
            elif action == "give_up":
                # Its errors entry was written with status: error (lifecycle.apply_rescue).
                report.given_up.append(snap.id)
    return report
