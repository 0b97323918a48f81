"""Random histories of ``documents/`` writes, for the convergence test and the burst
benchmark: creates and re-creates, moves of customer, office, type and care manager,
status changes into and out of split/error, deletes. Spellings vary as OCR and people
vary them (異体字, full-width spaces, half-width kana) so groups fold them together."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from google.api_core import exceptions as gexc
from google.cloud import firestore

Operation = tuple[str, str, dict[str, Any]]

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


def person(rng: random.Random) -> str:
    return f"{rng.choice(SURNAMES)}{rng.choice(['', ' ', '　'])}{rng.choice(GIVEN)}"


def random_document(rng: random.Random, doc_id: str) -> dict[str, Any]:
    at = DAY0 + timedelta(days=rng.randrange(60), minutes=rng.randrange(1440))
    doc = {"fileName": f"{doc_id}.pdf", "customerName": person(rng),
           "officeName": rng.choice(OFFICES), "documentType": rng.choice(TYPES),
           "status": rng.choice(STATUSES), "processedAt": at, "fileDate": at}
    manager = rng.choice(CARE_MANAGERS)
    if manager:
        doc["careManager"] = manager
    return doc


def random_operation(rng: random.Random) -> Operation:
    doc_id = rng.choice(DOC_IDS)
    roll = rng.random()
    if roll < 0.30:
        return "set", doc_id, random_document(rng, doc_id)
    if roll < 0.45:
        return "update", doc_id, {"customerName": person(rng)}
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


def apply_operation(db: firestore.Client, op: Operation) -> bool:
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
