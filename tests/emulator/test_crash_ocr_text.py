"""Long OCR text goes to Storage before the commit; a crash in between orphans nothing.

Each attempt writes its own object (named by its claim token). A crash is simulated by
running the pieces directly: an attempt claims and uploads, then "dies" (is never
committed); the rescue hands the document back and a second attempt runs in full.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import google.cloud.storage as storage
import pytest
from google.api_core import exceptions as gexc
from google.cloud import firestore

from shared.handlers.rescue_stuck import handle_rescue
from shared.localcloud.samples import DOCUMENTS, render_pdf
from shared.pipeline import lifecycle
from shared.pipeline.process import ProcessingDeps, process_document, sweep_text_objects
from shared.pipeline.storage_io import ocr_text_object, ocr_text_prefix, upload_text
from tests.emulator.test_pipeline_lifecycle import ScriptedEngine, _deps, _pending, _scan_pdf

PREFIX = "_pipeline/"


def _long_text_deps(db: firestore.Client, **overrides: Any) -> ProcessingDeps:
    deps = _deps(db, **overrides)
    deps.pipeline.inline_text_cap_chars = 10  # anything longer goes to Storage
    return deps


def _text_objects(bucket: storage.Bucket, doc_id: str) -> list[str]:
    return sorted(b.name for b in bucket.client.list_blobs(
        bucket, prefix=ocr_text_prefix(PREFIX, doc_id)))


def _doc(db: firestore.Client, doc_id: str) -> dict[str, Any]:
    return db.collection("documents").document(doc_id).get().to_dict() or {}


def _crash_after_upload(db: firestore.Client, bucket: storage.Bucket, doc_id: str) -> str:
    """An attempt claims, uploads its text, and dies before committing; the rescue later
    returns the document to ``pending``. Returns the orphan's name."""
    crashed = lifecycle.claim(db, doc_id, datetime.now(UTC))
    assert crashed is not None
    orphan = ocr_text_object(PREFIX, doc_id, crashed.token)
    upload_text(bucket.client, bucket.name, orphan, "訪問看護報告書（途中まで）")
    assert handle_rescue(now=datetime.now(UTC) + timedelta(seconds=901))["requeued"] == [doc_id]
    return orphan


def test_the_next_commit_deletes_the_crashed_attempts_object(
    firestore_client: firestore.Client, storage_bucket: storage.Bucket,
) -> None:
    doc_id = _pending(firestore_client, storage_bucket, render_pdf(DOCUMENTS["nursing_report"]))
    orphan = _crash_after_upload(firestore_client, storage_bucket, doc_id)
    assert _text_objects(storage_bucket, doc_id) == [orphan]

    assert process_document(_long_text_deps(firestore_client), doc_id).outcome == "processed"

    doc = _doc(firestore_client, doc_id)
    [kept] = _text_objects(storage_bucket, doc_id)
    assert kept != orphan and doc["ocrResultUrl"] == f"gs://{storage_bucket.name}/{kept}"
    assert "山田" in storage_bucket.blob(kept).download_as_bytes().decode("utf-8")


def test_a_commit_without_long_text_still_deletes_the_orphan(
    firestore_client: firestore.Client, storage_bucket: storage.Bucket,
) -> None:
    doc_id = _pending(firestore_client, storage_bucket, render_pdf(DOCUMENTS["nursing_report"]))
    _crash_after_upload(firestore_client, storage_bucket, doc_id)

    assert process_document(_deps(firestore_client), doc_id).outcome == "processed"
    assert "ocrResultUrl" not in _doc(firestore_client, doc_id)
    assert _text_objects(storage_bucket, doc_id) == []


def test_a_permanent_failure_after_a_crash_deletes_the_orphan(
    firestore_client: firestore.Client, storage_bucket: storage.Bucket,
) -> None:
    doc_id = _pending(firestore_client, storage_bucket, _scan_pdf())
    _crash_after_upload(firestore_client, storage_bucket, doc_id)

    engine = ScriptedEngine([KeyError("a bug")])
    assert process_document(_deps(firestore_client, engine), doc_id).outcome == "error"
    assert _text_objects(storage_bucket, doc_id) == []


def test_a_failed_commit_deletes_the_attempts_own_object(
    firestore_client: firestore.Client, storage_bucket: storage.Bucket,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    doc_id = _pending(firestore_client, storage_bucket, render_pdf(DOCUMENTS["nursing_report"]))
    uploaded: list[str] = []

    def commit_lost(db: firestore.Client, owned: lifecycle.Claim, *args: Any,
                    **kwargs: Any) -> bool:
        uploaded.extend(_text_objects(storage_bucket, doc_id))
        raise gexc.ServiceUnavailable("commit did not go through")

    with monkeypatch.context() as patch:
        patch.setattr(lifecycle, "commit", commit_lost)
        result = process_document(_long_text_deps(firestore_client), doc_id)
    assert result.outcome == "requeued"
    assert len(uploaded) == 1  # the text was in Storage when the commit failed
    assert _text_objects(storage_bucket, doc_id) == []
    assert _doc(firestore_client, doc_id)["status"] == "pending"


def test_the_sweep_keeps_the_referenced_object_and_the_live_owners(
    firestore_client: firestore.Client, storage_bucket: storage.Bucket,
) -> None:
    doc_id = _pending(firestore_client, storage_bucket, render_pdf(DOCUMENTS["nursing_report"]))
    deps = _long_text_deps(firestore_client)
    assert process_document(deps, doc_id).outcome == "processed"
    [referenced] = _text_objects(storage_bucket, doc_id)

    # A person asks for a re-run; that attempt has uploaded and is about to commit...
    firestore_client.collection("documents").document(doc_id).update(
        {"reprocessRequested": True})
    live = lifecycle.claim(firestore_client, doc_id, datetime.now(UTC))
    assert live is not None
    live_object = ocr_text_object(PREFIX, doc_id, live.token)
    upload_text(storage_bucket.client, storage_bucket.name, live_object, "再処理の本文")
    # ...and an older attempt's leftover lies beside them.
    orphan = ocr_text_object(PREFIX, doc_id, "0" * 32)
    upload_text(storage_bucket.client, storage_bucket.name, orphan, "途中まで")

    assert sweep_text_objects(deps, doc_id) == [orphan]
    assert _text_objects(storage_bucket, doc_id) == sorted([referenced, live_object])
