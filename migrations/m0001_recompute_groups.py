"""Recompute every documentGroups document from the documents."""

from __future__ import annotations

from google.cloud import firestore

from migrations.runner import Migration, Outcome
from shared.derived.check_groups import check_groups


def run(db: firestore.Client) -> Outcome:
    report = check_groups(db, repair=True)
    return Outcome(processed=report.documents)


MIGRATION = Migration("0001_recompute_groups",
                      "recompute documentGroups from documents and repair drift", run)
