"""Is every derived datum what the documents say? One read-only answer for the demo,
the tests and the benchmarks: groups, the group keys on documents, and the search index,
each compared with a recomputation from the live documents."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from google.cloud import firestore

from shared.derived.check_groups import check_groups
from shared.grouping.keys import key_updates
from shared.search.reindex import index_drift


@dataclass
class ConsistencyReport:
    documents: int
    groups: int
    group_drift: list[str] = field(default_factory=list)
    key_drift: list[str] = field(default_factory=list)
    index_drift: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.group_drift or self.key_drift or self.index_drift)

    def summary(self) -> dict[str, Any]:
        return {"documents": self.documents, "groups": self.groups, "ok": self.ok,
                "groupDrift": self.group_drift[:10], "keyDrift": self.key_drift[:10],
                "indexDrift": self.index_drift[:10]}


def check_consistency(db: firestore.Client) -> ConsistencyReport:
    groups = check_groups(db)
    report = ConsistencyReport(groups.documents, groups.groups_expected)
    report.group_drift = [f"{d.group_id}: {d.problem} {','.join(d.fields)}".strip()
                          for d in groups.drift]
    for snap in db.collection("documents").stream():
        stale = key_updates(snap.to_dict() or {})
        if stale:
            report.key_drift.append(f"document {snap.id}: {sorted(stale)} out of date")
    report.index_drift = index_drift(db)
    return report
