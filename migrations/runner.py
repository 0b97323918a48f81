"""A small migration runner: each migration runs to completion once, recorded in Firestore.

``_migrations/{id}`` holds the seed's ``status`` (pending | running | completed | failed),
``processedCount`` and ``errorCount`` (plus ``startedAt``, ``finishedAt``, ``lastError``).
A completed migration is skipped; a failed or interrupted one runs again (every migration
here is idempotent). A ``running`` record younger than ``STALE_AFTER`` means another
runner holds it, so the claim is a transaction.

    python -m migrations.runner            # run what is not completed
    python -m migrations.runner --list
    python -m migrations.runner --force 0001_recompute_groups
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from google.cloud import firestore

from shared.clients import get_db

MIGRATIONS = "_migrations"
STALE_AFTER = timedelta(hours=1)


@dataclass(frozen=True)
class Outcome:
    processed: int
    errors: int = 0


@dataclass(frozen=True)
class Migration:
    id: str
    description: str
    run: Callable[[firestore.Client], Outcome]


def registry() -> list[Migration]:
    from migrations import m0001_recompute_groups, m0002_reindex_search

    return [m0001_recompute_groups.MIGRATION, m0002_reindex_search.MIGRATION]


def _claim(db: firestore.Client, migration: Migration, force: bool) -> bool:
    ref = db.collection(MIGRATIONS).document(migration.id)
    now = datetime.now(UTC)

    @firestore.transactional
    def attempt(tx: firestore.Transaction) -> bool:
        snap = ref.get(transaction=tx)
        state: dict[str, Any] = (snap.to_dict() or {}) if snap.exists else {}
        status = state.get("status")
        if status == "completed" and not force:
            return False
        started = state.get("startedAt")
        if status == "running" and started and now - started < STALE_AFTER:
            return False
        tx.set(ref, {"status": "running", "processedCount": 0, "errorCount": 0,
                     "startedAt": now, "finishedAt": None, "lastError": None})
        return True

    claimed: bool = attempt(db.transaction())
    return claimed


def run_migration(db: firestore.Client, migration: Migration,
                  force: bool = False) -> dict[str, Any]:
    """Run one migration unless it is completed (or held); returns its final state."""
    ref = db.collection(MIGRATIONS).document(migration.id)
    if not _claim(db, migration, force):
        return {"id": migration.id, **((ref.get().to_dict()) or {}), "skipped": True}
    try:
        outcome = migration.run(db)
    except Exception as exc:
        ref.update({"status": "failed", "finishedAt": datetime.now(UTC),
                    "lastError": f"{type(exc).__name__}: {exc}"[:1000]})
        raise
    ref.update({"status": "completed" if outcome.errors == 0 else "failed",
                "processedCount": outcome.processed, "errorCount": outcome.errors,
                "finishedAt": datetime.now(UTC)})
    return {"id": migration.id, **(ref.get().to_dict() or {})}


def run_all(db: firestore.Client, force: set[str] | None = None) -> list[dict[str, Any]]:
    return [run_migration(db, m, m.id in (force or set())) for m in registry()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run data migrations.")
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--force", action="append", default=[],
                        help="run this migration id again even if completed")
    args = parser.parse_args(argv)
    db = get_db()
    if args.list:
        for m in registry():
            state = db.collection(MIGRATIONS).document(m.id).get().to_dict() or {}
            print(f"{m.id}\t{state.get('status', 'pending')}\t{m.description}")
        return 0
    results = run_all(db, set(args.force))
    print(json.dumps(results, ensure_ascii=False, default=str, indent=2))
    return 0 if all(r.get("status") == "completed" for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
