"""Bring the search index to the current ``search.version`` and repair drift."""

from __future__ import annotations

from google.cloud import firestore

from migrations.runner import Migration, Outcome
from shared.search.reindex import reindex
from shared.search.tokenize import SEARCH_VERSION


def run(db: firestore.Client) -> Outcome:
    report = reindex(db, verify=True)
    return Outcome(processed=report.documents)


MIGRATION = Migration(f"0002_reindex_search_v{SEARCH_VERSION}",
                      "reindex documents whose search version or tokens are out of date", run)
