"""Recompute every ``documentGroups`` document from ``documents``; report and repair drift.

``python -m shared.derived.check_groups`` reports; ``--repair`` also rewrites the groups
that differ, deletes groups nobody counts in, and resets ``_contributions`` to what each
live document contributes (a missing document becomes a tombstone), so the incremental
path continues from a correct base. Run the repair when ingest is quiet: a document
written while the scan runs is caught up by its own event only if its contribution was
not reset past it (the version check keeps the newer of the two).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from google.cloud import firestore

from shared.derived.contributions import Contribution, contribution_of, recompute_groups
from shared.derived.group_ids import GROUPS_COLLECTION, group_doc_id
from shared.derived.group_store import CONTRIBUTIONS
from shared.derived.versions import SourceVersion
from shared.firestore_client import get_db

COMPARED_FIELDS = ("groupType", "groupKey", "displayName", "count", "latestAt", "latestDocs",
                   "latestDisplayNames")
BATCH = 200
# What a contribution is computed from (the scan reads nothing else, OCR text stays put).
SOURCE_FIELDS = ["status", "customerName", "officeName", "documentType", "careManager",
                 "processedAt", "updatedAt", "createdAt", "fileName", "fileDate"]


@dataclass
class Drift:
    group_id: str
    problem: str  # missing | extra | different
    fields: list[str] = field(default_factory=list)


@dataclass
class CheckReport:
    documents: int
    groups_expected: int
    groups_found: int
    drift: list[Drift]
    repaired: bool = False

    def summary(self) -> dict[str, Any]:
        return {"documents": self.documents, "groupsExpected": self.groups_expected,
                "groupsFound": self.groups_found, "drift": len(self.drift),
                "repaired": self.repaired,
                "examples": [d.__dict__ for d in self.drift[:20]]}


def live_contributions(db: firestore.Client) -> tuple[list[Contribution],
                                                      dict[str, SourceVersion]]:
    """What every live document contributes, with the version it was read at."""
    out: list[Contribution] = []
    versions: dict[str, SourceVersion] = {}
    for snap in db.collection("documents").select(SOURCE_FIELDS).stream():
        contribution = contribution_of(snap.id, snap.to_dict() or {})
        if contribution is not None:
            out.append(contribution)
            versions[snap.id] = SourceVersion.of(snap.update_time, False)
    return out, versions


def expected_groups(contributions: list[Contribution]) -> dict[str, dict[str, Any]]:
    now = datetime.now(UTC)
    out = {}
    for (group_type, key), state in recompute_groups(contributions).items():
        gid = group_doc_id(group_type, key)
        out[gid] = state.to_doc(gid, now)
    return out


def actual_groups(db: firestore.Client) -> dict[str, dict[str, Any]]:
    return {s.id: s.to_dict() or {} for s in db.collection(GROUPS_COLLECTION).stream()}


def compare(expected: dict[str, dict[str, Any]],
            actual: dict[str, dict[str, Any]]) -> list[Drift]:
    drift = []
    for gid, want in sorted(expected.items()):
        have = actual.get(gid)
        if have is None:
            drift.append(Drift(gid, "missing"))
            continue
        fields = [f for f in COMPARED_FIELDS if want.get(f) != have.get(f)]
        if fields:
            drift.append(Drift(gid, "different", fields))
    drift.extend(Drift(gid, "extra") for gid in sorted(set(actual) - set(expected)))
    return drift


def check_groups(db: firestore.Client, repair: bool = False) -> CheckReport:
    contributions, versions = live_contributions(db)
    expected = expected_groups(contributions)
    actual = actual_groups(db)
    report = CheckReport(len(contributions), len(expected), len(actual),
                         compare(expected, actual))
    if repair:
        _repair(db, expected, report.drift, contributions, versions)
        report.repaired = True
    return report


def _repair(db: firestore.Client, expected: dict[str, dict[str, Any]], drift: list[Drift],
            contributions: list[Contribution], versions: dict[str, SourceVersion]) -> None:
    writes: list[tuple[str, firestore.DocumentReference, dict[str, Any] | None]] = []
    groups = db.collection(GROUPS_COLLECTION)
    for d in drift:
        payload = expected.get(d.group_id)
        writes.append(("set" if payload else "delete", groups.document(d.group_id), payload))
    records = {s.id: s.to_dict() or {} for s in db.collection(CONTRIBUTIONS).stream()}
    now = datetime.now(UTC)
    live = {c.doc_id: c for c in contributions}
    for doc_id, contribution in live.items():
        stored = SourceVersion.from_record(records.get(doc_id))
        version = versions[doc_id]
        if stored is not None and stored > version:
            continue  # a newer event already applied: leave it
        writes.append(("set", db.collection(CONTRIBUTIONS).document(doc_id), {
            **version.to_record(), "documentId": doc_id, "updatedAt": now,
            **contribution.to_record()}))
    for doc_id, record in records.items():
        if doc_id in live or record.get("deleted"):
            continue
        stored = SourceVersion.from_record(record)
        nanos = stored.nanos if stored else 0
        writes.append(("set", db.collection(CONTRIBUTIONS).document(doc_id), {
            **SourceVersion(nanos, True).to_record(), "documentId": doc_id,
            "updatedAt": now, "keys": {}, "at": None, "preview": {}, "displays": {}}))
    for i in range(0, len(writes), BATCH):
        batch = db.batch()
        for op, ref, payload in writes[i : i + BATCH]:
            if op == "set" and payload is not None:
                batch.set(ref, payload)
            else:
                batch.delete(ref)
        batch.commit()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--repair", action="store_true", help="rewrite what differs")
    args = parser.parse_args(argv)
    report = check_groups(get_db(), repair=args.repair)
    print(json.dumps(report.summary(), ensure_ascii=False, default=str, indent=2))
    return 0 if args.repair or not report.drift else 1


if __name__ == "__main__":
    sys.exit(main())
