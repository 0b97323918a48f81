"""``status: error`` and its ``errors`` entry are one write: no crash separates them.

A crash is simulated by failing the ``errors`` write inside the transaction (the process
dying there is the same to Firestore: nothing commits). Afterwards the document is still
``processing``, so the rescue brings it round again, and the retried failure leaves one
entry, however often it is repeated.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import google.cloud.storage as storage
import pytest
from google.cloud import firestore
from google.cloud.firestore_v1.transaction import Transaction

from shared.handlers.rescue_stuck import handle_rescue
from shared.localcloud.samples import DOCUMENTS, image_pdf, render_page
from shared.ocr.types import OcrRequest, PageResult
from shared.pipeline import lifecycle
from shared.pipeline.process import process_document
from tests.emulator.test_pipeline_lifecycle import ScriptedEngine, _deps, _pending, _scan_pdf

STUCK = timedelta(seconds=901)


class SimulatedCrash(Exception):
    """The process "dies" while the transaction is being built."""


@contextmanager
def error_writes_crash() -> Iterator[None]:
    """Inside the block every transactional write to ``errors`` crashes."""
    original = Transaction.set

    def crashing_set(self: Transaction, reference: Any, document_data: Any,
                     merge: Any = False) -> Any:
        if reference.path.startswith("errors/"):
            raise SimulatedCrash(reference.path)
        return original(self, reference, document_data, merge=merge)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Transaction, "set", crashing_set)
        yield


def _doc(db: firestore.Client, doc_id: str) -> dict[str, Any]:
    return db.collection("documents").document(doc_id).get().to_dict() or {}


def _errors(db: firestore.Client) -> list[dict[str, Any]]:
    return [e.to_dict() or {} for e in db.collection("errors").stream()]


def _request_reprocessing(db: firestore.Client, doc_id: str) -> None:
    db.collection("documents").document(doc_id).update({"reprocessRequested": True})


class FailedPagesEngine:
    """Reads nothing (every page fails), or only the first page when ``partial``."""

    name = "tesseract"

    def __init__(self, partial: bool = False) -> None:
        self.partial = partial

    def read(self, request: OcrRequest) -> list[PageResult]:
        return [PageResult(i + 1, "訪問看護報告書 山田 太郎 様", 0.9, "tesseract")
                if self.partial and i == 0 else
                PageResult(i + 1, "", None, "tesseract", status="failed", error="判読不能")
                for i in request.page_indexes]


# -- processing failure ---------------------------------------------------------------


def test_permanent_failure_writes_status_and_one_entry_and_a_repeat_adds_none(
    firestore_client: firestore.Client, storage_bucket: storage.Bucket,
) -> None:
    doc_id = _pending(firestore_client, storage_bucket, _scan_pdf())
    for round_ in range(3):
        if round_:
            _request_reprocessing(firestore_client, doc_id)
        engine = ScriptedEngine([KeyError("a bug")])
        assert process_document(_deps(firestore_client, engine), doc_id).outcome == "error"
        doc = _doc(firestore_client, doc_id)
        assert doc["status"] == "error" and "processingOwner" not in doc
        [error] = _errors(firestore_client)
        assert error["documentId"] == doc_id and error["errorType"] == "システムエラー"
        assert error["status"] == "未対応"


def test_a_crash_while_failing_leaves_the_document_processing_for_the_rescue(
    firestore_client: firestore.Client, storage_bucket: storage.Bucket,
) -> None:
    doc_id = _pending(firestore_client, storage_bucket, _scan_pdf())
    with error_writes_crash(), pytest.raises(SimulatedCrash):
        process_document(_deps(firestore_client, ScriptedEngine([KeyError("a bug")])), doc_id)
    doc = _doc(firestore_client, doc_id)
    assert doc["status"] == "processing" and "errorReason" not in doc  # not error, unexplained
    assert _errors(firestore_client) == []

    report = handle_rescue(now=datetime.now(UTC) + STUCK)
    assert report["requeued"] == [doc_id]
    engine = ScriptedEngine([KeyError("a bug")])
    assert process_document(_deps(firestore_client, engine), doc_id).outcome == "error"
    assert _doc(firestore_client, doc_id)["status"] == "error"
    assert [e["documentId"] for e in _errors(firestore_client)] == [doc_id]


def test_complete_ocr_failure_writes_status_and_one_entry(
    firestore_client: firestore.Client, storage_bucket: storage.Bucket,
) -> None:
    doc_id = _pending(firestore_client, storage_bucket, _scan_pdf())
    for round_ in range(2):
        if round_:
            _request_reprocessing(firestore_client, doc_id)
        result = process_document(_deps(firestore_client, FailedPagesEngine()), doc_id)
        assert result.outcome == "error"
        assert _doc(firestore_client, doc_id)["status"] == "error"
        [error] = _errors(firestore_client)
        assert error["documentId"] == doc_id and error["errorType"] == "OCR完全失敗"


def test_partial_ocr_failure_entry_comes_with_the_commit(
    firestore_client: firestore.Client, storage_bucket: storage.Bucket,
) -> None:
    page = render_page(DOCUMENTS["nursing_report"], 0).resize((400, 566))
    doc_id = _pending(firestore_client, storage_bucket, image_pdf([page, page]))
    for round_ in range(2):
        if round_:
            _request_reprocessing(firestore_client, doc_id)
        result = process_document(_deps(firestore_client, FailedPagesEngine(partial=True)),
                                  doc_id)
        assert result.outcome == "processed"
        assert _doc(firestore_client, doc_id)["status"] == "processed"
        [error] = _errors(firestore_client)
        assert error["documentId"] == doc_id and error["errorType"] == "OCR部分失敗"
        assert error["failedPages"] == 1 and error["failedPageNumbers"] == "2"


# -- rescue give-up -------------------------------------------------------------------


def _die_and_rescue(db: firestore.Client, doc_id: str, now: datetime) -> dict[str, Any]:
    """An attempt claims the document and dies; the rescue runs once it is stuck."""
    assert lifecycle.claim(db, doc_id, now) is not None
    return handle_rescue(now=now + STUCK)


def test_rescue_give_up_writes_status_and_one_entry_and_a_repeat_adds_none(
    firestore_client: firestore.Client, storage_bucket: storage.Bucket,
) -> None:
    doc_id = _pending(firestore_client, storage_bucket)
    start = datetime.now(UTC)
    for round_ in range(3):
        assert _die_and_rescue(firestore_client, doc_id,
                               start + timedelta(hours=round_))["requeued"] == [doc_id]
    assert _errors(firestore_client) == []
    at = start + timedelta(hours=3)
    assert _die_and_rescue(firestore_client, doc_id, at)["givenUp"] == [doc_id]
    # The same pass again (a retried scheduler call) finds nothing to give up.
    assert handle_rescue(now=at + STUCK)["givenUp"] == []

    _request_reprocessing(firestore_client, doc_id)  # a person retries; it dies again
    later = start + timedelta(hours=4)
    assert _die_and_rescue(firestore_client, doc_id, later)["givenUp"] == [doc_id]

    assert _doc(firestore_client, doc_id)["status"] == "error"
    [error] = _errors(firestore_client)
    assert error["documentId"] == doc_id and error["errorType"] == "システムエラー"


def test_a_crash_while_giving_up_leaves_the_document_for_the_next_pass(
    firestore_client: firestore.Client, storage_bucket: storage.Bucket,
) -> None:
    doc_id = _pending(firestore_client, storage_bucket)
    start = datetime.now(UTC)
    for round_ in range(3):
        _die_and_rescue(firestore_client, doc_id, start + timedelta(hours=round_))
    at = start + timedelta(hours=3)
    assert lifecycle.claim(firestore_client, doc_id, at) is not None
    with error_writes_crash(), pytest.raises(SimulatedCrash):
        handle_rescue(now=at + STUCK)
    assert _doc(firestore_client, doc_id)["status"] == "processing"
    assert _errors(firestore_client) == []

    assert handle_rescue(now=at + STUCK)["givenUp"] == [doc_id]
    assert _doc(firestore_client, doc_id)["status"] == "error"
    assert [e["documentId"] for e in _errors(firestore_client)] == [doc_id]
