"""Through the real event path, with chaos: derived data converges after any history.

Thousands of document writes (creates, re-creates, moves of customer, office, type and
care manager, status changes into and out of split/error, deletes), first as one burst
and then paced, go to the Firestore emulator as the pipeline and the web client would
write them. The router turns them into events (each delivered 1–3 times, shuffled,
delayed up to 2 s) for the functions in their own processes. When everything is quiet,
groups, group keys and the search index must equal a recomputation from the documents,
and no event may have been dead-lettered.
"""

from __future__ import annotations

import random
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from google.api_core import exceptions as gexc
from google.cloud import firestore

from shared.derived.consistency import check_consistency
from shared.localcloud.cloud import LocalCloud

SURNAMES = ["山田", "佐藤", "髙橋", "高橋", "田中", "渡邉", "渡辺", "中村", "小林", "齊藤"]
GIVEN = ["太郎", "花子", "一郎", "美香", "和子", "正夫"]
OFFICES = ["ケアサポートみどり", "ｹｱｻﾎﾟｰﾄ みどり", "訪問看護ステーションさくら",
           "デイサービスあおば", "ヘルパーステーションひまわり", "福祉用具すみれ/第2"]
TYPES = ["サービス提供票", "訪問看護報告書", "居宅サービス計画書", "モニタリング報告書",
         "主治医意見書"]
CARE_MANAGERS = [None, "鈴木 美香", "田中 健", "佐々木 徹"]
STATUSES = ["processed"] * 6 + ["error", "split", "processing"]
DOC_IDS = [f"fax{i:04d}" for i in range(300)]
DAY0 = datetime(2024, 4, 1, tzinfo=UTC)


def _person(rng: random.Random) -> str:
    return f"{rng.choice(SURNAMES)}{rng.choice(['', ' ', '　'])}{rng.choice(GIVEN)}"


def _document(rng: random.Random, doc_id: str) -> dict[str, Any]:
    at = DAY0 + timedelta(days=rng.randrange(60), minutes=rng.randrange(1440))
    doc = {"fileName": f"{doc_id}.pdf", "customerName": _person(rng),
           "officeName": rng.choice(OFFICES), "documentType": rng.choice(TYPES),
           "status": rng.choice(STATUSES), "processedAt": at, "fileDate": at}
    manager = rng.choice(CARE_MANAGERS)
    if manager:
        doc["careManager"] = manager
    return doc


def _operation(rng: random.Random) -> tuple[str, str, dict[str, Any]]:
    doc_id = rng.choice(DOC_IDS)
    roll = rng.random()
    if roll < 0.30:
        return "set", doc_id, _document(rng, doc_id)
    if roll < 0.45:
        return "update", doc_id, {"customerName": _person(rng)}
    if roll < 0.55:
        return "update", doc_id, {"officeName": rng.choice(OFFICES)}
    if roll < 0.62:
        return "update", doc_id, {"documentType": rng.choice(TYPES)}
    if roll < 0.70:
        manager = rng.choice(CARE_MANAGERS)
        return "update", doc_id, {"careManager": manager or firestore.DELETE_FIELD}
    if roll < 0.85:
        return "update", doc_id, {"status": rng.choice(STATUSES)}
    if roll < 0.90:
        return "update", doc_id, {"processedAt": DAY0 + timedelta(hours=rng.randrange(2000))}
    return "delete", doc_id, {}


def _apply(db: firestore.Client, op: tuple[str, str, dict[str, Any]]) -> bool:
    """Write one operation, retried as a client would when the emulator gives up on a
    contended lock (it answers ABORTED or UNKNOWN); ``False`` if it changed nothing."""
    kind, doc_id, data = op
    ref = db.collection("documents").document(doc_id)
    for attempt in range(5):
        try:
            if kind == "set":
                ref.set(data)
            elif kind == "delete":
                ref.delete()
            else:
                ref.update(data)
            return True
        except gexc.NotFound:
            return False  # an update of a deleted document: nothing happened
        except (gexc.Aborted, gexc.Unknown):
            time.sleep(0.2 * 2**attempt)
    raise AssertionError(f"could not write {doc_id} after 5 attempts")


def test_groups_and_index_converge_after_a_chaotic_history_of_2000_writes(
    running_functions: LocalCloud, monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert running_functions.emulators is not None
    running_functions.emulators.wipe()
    monkeypatch.setenv("LOCALCLOUD_CHAOS", "1")
    monkeypatch.setenv("LOCALCLOUD_CHAOS_SEED", "20241207")
    monkeypatch.setattr(running_functions, "chaos", None)  # from the environment
    router = running_functions.start_router()
    assert router.chaos
    try:
        db = firestore.Client(project=running_functions.project)
        rng = random.Random(20241207)
        burst = [_operation(rng) for _ in range(1800)]
        with ThreadPoolExecutor(8) as pool:
            applied = sum(pool.map(lambda op: _apply(db, op), burst))
        while applied < 2000:  # then paced, until the history holds 2,000 writes
            applied += _apply(db, _operation(rng))
            time.sleep(rng.uniform(0, 0.02))
        assert router.wait_idle(timeout=900, settle=3.0), "events still in flight"

        assert router.dead_letters == []
        report = check_consistency(db)
        assert report.ok, report.summary()
        live = [s for s in db.collection("documents").stream()]
        assert len(live) > 100 and report.groups > 20
    finally:
        running_functions.stop_router()
