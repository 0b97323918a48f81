"""Every case of the rules matrix, against the Firestore emulator through the REST API.

An allowed case must succeed (and, for writes, really change the data); a denied case
must answer ``403`` with status ``PERMISSION_DENIED`` — not a 404, not a 400 from a bad
request, which would prove nothing about the rules.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from tests.rules.actors import ACTORS
from tests.rules.conftest import RulesWorld, is_isolated, target_path
from tests.rules.firestore_rest import DELETE_FIELD, SERVER_TIME
from tests.rules.matrix import MATRIX, Case
from tests.rules.seed_data import SEED


def _case_id(index: int) -> str:
    return f"{index:03d} {MATRIX[index].id}"


def _assert_written(world: RulesWorld, index: int, case: Case) -> None:
    """The admin client sees what the allowed write said."""
    snapshot = world.db.document(target_path(index, case)).get()
    if case.op == "delete":
        assert not snapshot.exists
        return
    stored: dict[str, Any] = snapshot.to_dict() or {}
    for key, sent in world.payload(case).items():
        if sent is SERVER_TIME:
            assert isinstance(stored.get(key), datetime), key
        elif sent is DELETE_FIELD:
            assert key not in stored, key
        elif isinstance(sent, str | bool | int):
            assert stored.get(key) == sent, key


@pytest.mark.parametrize("index", range(len(MATRIX)), ids=_case_id)
def test_rule_case(index: int, rules_world: RulesWorld) -> None:
    case = MATRIX[index]
    response = rules_world.run(index, case)
    if not case.allow:
        assert (response.status, response.error_status) == (403, "PERMISSION_DENIED"), (
            f"expected PERMISSION_DENIED, got {response.status}: {response.body}")
        return
    assert response.status == 200, f"expected success, got {response.status}: {response.body}"
    if case.op == "get":
        assert response.body["name"].endswith(f"/documents/{case.path}")
    elif case.op == "list":
        assert any("document" in row for row in response.body), "query returned nothing"
    else:
        _assert_written(rules_world, index, case)


# ---------------------------------------------------------------- the table itself


def test_matrix_covers_every_actor_operation_and_outcome() -> None:
    assert {c.actor for c in MATRIX} == set(ACTORS)
    assert {c.op for c in MATRIX} == {"get", "list", "create", "update", "delete"}
    for actor in ACTORS:
        outcomes = {c.allow for c in MATRIX if c.actor == actor}
        assert False in outcomes, actor
    for actor in ("user", "counselor", "manager", "other_manager", "admin"):
        assert any(c.allow for c in MATRIX if c.actor == actor), actor


def test_matrix_names_the_attacks_that_matter() -> None:
    notes = {(c.actor, c.note) for c in MATRIX if not c.allow}
    assert ("user", "promote self to admin") in notes
    assert ("stranger", "create own profile as admin") in notes
    assert ("user", "forged confirmedBy") in notes
    assert ("user", "server-owned status") in notes
    assert ("admin", "delete an audit log") in notes
    assert any(c.op == "list" and c.actor == "manager" and c.where == ("clinicId", "clinic-umeda")
               and not c.allow for c in MATRIX)


def test_write_targets_exist_exactly_when_the_operation_needs_them() -> None:
    for index, case in enumerate(MATRIX):
        if case.op in ("update", "delete"):
            assert case.path in SEED, _case_id(index)
        if case.op == "create":
            assert case.path not in SEED, _case_id(index)
            if is_isolated(case):
                assert target_path(index, case) not in SEED


def test_every_update_changes_something() -> None:
    """An update that rewrites a value with itself changes no key, so the rules would see
    an empty diff: a deny case built like that would test nothing."""
    for index, case in enumerate(MATRIX):
        if case.op != "update":
            continue
        seeded = SEED[case.path]
        payload = dict(case.data or {})
        assert any(
            value is SERVER_TIME or value is DELETE_FIELD or seeded.get(key, DELETE_FIELD) != value
            for key, value in payload.items()
        ), _case_id(index)
