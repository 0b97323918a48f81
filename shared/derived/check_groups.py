"""Recompute every ``documentGroups`` document from ``documents``; report and repair drift.

``python -m shared.derived.check_groups`` reports; ``--repair`` also rewrites the groups
that differ and deletes groups nobody counts in. The incremental path derives each group
from the documents too, so a repair leaves nothing else to reset; run it when ingest is
quiet, since a group written meanwhile is compared with a slightly older scan.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from google.cloud import firestore

from shared.clients import get_db
from shared.derived.group_recompute import COMPARED_FIELDS
from shared.grouping.aggregate import SOURCE_FIELDS, recompute_all
from shared.grouping.ids import GROUPS_COLLECTION

BATCH = 200
# What group membership is computed from (the scan reads nothing else, OCR text stays put).
SCAN_FIELDS = sorted({*SOURCE_FIELDS, "customerName", "officeName", "documentType",
                      "careManager"})


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


def expected_groups(db: firestore.Client) -> tuple[int, dict[str, dict[str, Any]]]:
    """How many documents there are, and every group as they say it must be."""
    docs = [(snap.id, snap.to_dict() or {})
            for snap in db.collection("documents").select(SCAN_FIELDS).stream()]
    return len(docs), recompute_all(docs, datetime.now(UTC))


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
    documents, expected = expected_groups(db)
    actual = actual_groups(db)
    report = CheckReport(documents, len(expected), len(actual), compare(expected, actual))
    if repair:
        _repair(db, expected, report.drift)
        report.repaired = True
    return report


def _repair(db: firestore.Client, expected: dict[str, dict[str, Any]],
            drift: list[Drift]) -> None:
    groups = db.collection(GROUPS_COLLECTION)
    for i in range(0, len(drift), BATCH):
        batch = db.batch()
        for d in drift[i : i + BATCH]:
            payload = expected.get(d.group_id)
            if payload is not None:
                batch.set(groups.document(d.group_id), payload)
            else:
                batch.delete(groups.document(d.group_id))
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
