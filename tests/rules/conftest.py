"""The rules world: seeded once per module, then read and written through the rules.

The shared ``firestore_client`` fixture wipes before every test, which would make a
matrix of hundreds of cases reseed hundreds of times. Here one module-scoped fixture wipes
the emulator, loads ``firestore.rules`` and seeds ``seed_data.SEED`` once. Deny cases
change nothing, so they share the seeded documents; every case that is expected to
*succeed* at a write gets its own copy of its target (``<path>--<case index>``), so the
writes of one case can never change the outcome of another, in any order.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from google.cloud import firestore

from shared.localcloud.cloud import LocalCloud
from tests.rules.actors import ACTORS
from tests.rules.firestore_rest import FirestoreRest, Response
from tests.rules.matrix import MATRIX, SELF, SELF_EMAIL, Case
from tests.rules.seed_data import SEED

REPO_ROOT = Path(__file__).resolve().parents[2]
FIRESTORE_RULES = REPO_ROOT / "firestore.rules"


def is_isolated(case: Case) -> bool:
    return case.allow and case.op in ("create", "update", "delete")


def target_path(index: int, case: Case) -> str:
    """Where a case acts: its own copy for a write that should succeed."""
    return f"{case.path}--{index}" if is_isolated(case) else case.path


def seed_documents() -> dict[str, dict[str, Any]]:
    """``SEED`` plus one copy of the target of every isolated update or delete."""
    documents = dict(SEED)
    for index, case in enumerate(MATRIX):
        if is_isolated(case) and case.op != "create":
            documents[target_path(index, case)] = SEED[case.path]
    return documents


def substitute(value: Any, uid: str | None, email: str | None) -> Any:
    """Replace the ``SELF`` / ``SELF_EMAIL`` placeholders by the acting caller's."""
    if value == SELF:
        return uid
    if value == SELF_EMAIL:
        return email
    if isinstance(value, dict):
        return {k: substitute(v, uid, email) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute(v, uid, email) for v in value]
    return value


@dataclass
class RulesWorld:
    rest: FirestoreRest
    db: firestore.Client

    def payload(self, case: Case) -> dict[str, Any]:
        actor = ACTORS[case.actor]
        return dict(substitute(dict(case.data or {}), actor.uid, actor.email))

    def run(self, index: int, case: Case) -> Response:
        token = ACTORS[case.actor].token(self.rest.project)
        path = target_path(index, case)
        if case.op == "get":
            return self.rest.get(path, token)
        if case.op == "list":
            return self.rest.list(path, token, case.where)
        if case.op == "create":
            return self.rest.create(path, self.payload(case), token)
        if case.op == "update":
            return self.rest.update(path, self.payload(case), token)
        return self.rest.delete(path, token)


def _write_all(db: firestore.Client, documents: dict[str, dict[str, Any]]) -> None:
    items = list(documents.items())
    for start in range(0, len(items), 400):
        batch = db.batch()
        for path, data in items[start:start + 400]:
            batch.set(db.document(path), data)
        batch.commit()


@pytest.fixture(scope="module")
def rules_world(local_cloud: LocalCloud) -> Iterator[RulesWorld]:
    emulators = local_cloud.emulators
    assert emulators is not None
    emulators.wipe()
    emulators.load_rules(FIRESTORE_RULES.read_text(encoding="utf-8"))
    db = firestore.Client(project=emulators.project)
    _write_all(db, seed_documents())
    yield RulesWorld(FirestoreRest(emulators.firestore_host, emulators.project), db)
    emulators.wipe()
