"""The processing lifecycle on the emulators: ownership, failure classes, rescue,
reprocessing that respects what a person decided."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import google.cloud.storage as storage
from google.cloud import firestore

from shared.handlers.rescue_stuck import handle_rescue
from shared.localcloud.samples import DOCUMENTS, render_pdf
from shared.ocr.tesseract import TesseractEngine
from shared.ocr.types import OcrRequest, PageResult, QuotaOcrError, TransientOcrError
from shared.pipeline import lifecycle
from shared.pipeline.process import ProcessingDeps, process_document
from shared.pipeline.settings import PipelineSettings
from tests.fakes.pipeline_driver import PipelineDriver, doc_id_of, upload

RESOLVED = {"documentType": "訪問看護報告書", "fileDate": "2025-03-31",
            "customerName": "山田 太郎", "customerId": "cust-yamada", "customerConfirmed": True,
            "officeName": "あおば訪問看護ステーション", "officeId": "office-aoba",
            "officeConfirmed": True}


class ScriptedEngine:
    """An OCR engine whose whole-request failures a test scripts (pages via Tesseract
    are not needed: the PDFs here are scans only in name)."""

    name = "tesseract"

    def __init__(self, failures: list[Exception] | None = None) -> None:
        self.failures = list(failures or [])
        self.calls = 0

    def read(self, request: OcrRequest) -> list[PageResult]:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return [PageResult(i + 1, "訪問看護報告書 山田 太郎 様", 0.9, "tesseract")
                for i in request.page_indexes]


def _deps(db: firestore.Client, engine: Any = None, **overrides: Any) -> ProcessingDeps:
    settings = PipelineSettings(transient_retries=2)
    deps = ProcessingDeps(
        db=db, storage_client=storage.Client(project=db.project),
        engine=engine or TesseractEngine(), resolver=lambda text, name: dict(RESOLVED),
        pipeline=settings, max_ocr_pages=10, bucket="demo-care-docs-files",
        sleep=lambda s: None, rng=random.Random(0))
    for key, value in overrides.items():
        setattr(deps, key, value)
    return deps


def _pending(db: firestore.Client, bucket: storage.Bucket, data: bytes | None = None,
             name: str = "uploads/訪問看護報告書.pdf") -> str:
    driver = PipelineDriver(db, bucket)
    resource = upload(bucket, name, data or render_pdf(DOCUMENTS["nursing_report"]))
    assert driver.finalize(resource) == 200
    return doc_id_of(resource)


def _scan_pdf() -> bytes:
    from shared.localcloud.samples import image_pdf, render_page

    return image_pdf([render_page(DOCUMENTS["nursing_report"], 0).resize((400, 566))])


def test_stale_attempt_that_lost_ownership_writes_nothing(
    firestore_client: firestore.Client, storage_bucket: storage.Bucket,
) -> None:
    long_pdf = render_pdf(DOCUMENTS["nursing_report"])
    doc_id = _pending(firestore_client, storage_bucket, long_pdf)
    rescued_at = datetime.now(UTC) + timedelta(hours=1)

    def rescued_meanwhile(owned: lifecycle.Claim) -> None:
        # The attempt ran past the bound; the scheduled rescue handed the document back.
        assert lifecycle.apply_rescue(firestore_client, owned.doc_id, rescued_at,
                                      timedelta(seconds=900), 3) == "requeue"

    deps = _deps(firestore_client, before_commit=rescued_meanwhile)
    deps.pipeline.inline_text_cap_chars = 10  # force the Storage upload path as well
    result = process_document(deps, doc_id)

    assert result.outcome == "stale"
    doc = firestore_client.collection("documents").document(doc_id).get().to_dict() or {}
    assert doc["status"] == "pending" and doc["rescueCount"] == 1
    assert "ocrResult" not in doc and "documentType" not in doc
    assert not (firestore_client.collection("documents").document(doc_id)
                .collection("detail").document("ocr").get().exists)
    assert [b.name for b in storage_bucket.client.list_blobs(storage_bucket,
                                                             prefix="_pipeline/")] == []


def test_second_claim_while_processing_is_refused(
    firestore_client: firestore.Client, storage_bucket: storage.Bucket,
) -> None:
    doc_id = _pending(firestore_client, storage_bucket)
    now = datetime.now(UTC)
    first = lifecycle.claim(firestore_client, doc_id, now)
    assert first is not None
    assert lifecycle.claim(firestore_client, doc_id, now) is None


def test_transient_failure_is_retried_in_place_then_succeeds(
    firestore_client: firestore.Client, storage_bucket: storage.Bucket,
) -> None:
    doc_id = _pending(firestore_client, storage_bucket, _scan_pdf())
    engine = ScriptedEngine([TransientOcrError("503 from OCR"), TransientOcrError("503")])
    slept: list[float] = []
    result = process_document(_deps(firestore_client, engine, sleep=slept.append), doc_id)

    assert result.outcome == "processed" and engine.calls == 3
    assert len(slept) == 2 and slept[1] > slept[0] * 0.9


def test_persistent_transient_failure_requeues_with_backoff_and_the_rescue_wakes_it(
    firestore_client: firestore.Client, storage_bucket: storage.Bucket,
) -> None:
    doc_id = _pending(firestore_client, storage_bucket, _scan_pdf())
    engine = ScriptedEngine([TransientOcrError("503")] * 3)
    before = datetime.now(UTC)
    assert process_document(_deps(firestore_client, engine), doc_id).outcome == "requeued"

    doc = firestore_client.collection("documents").document(doc_id).get().to_dict() or {}
    assert doc["status"] == "pending" and doc["failedAttempts"] == 1
    assert doc["lastError"]["class"] == "transient"
    assert before + timedelta(seconds=59) < doc["retryAt"] < before + timedelta(minutes=3)
    assert not lifecycle.is_due(doc, datetime.now(UTC))

    report = handle_rescue(now=doc["retryAt"] + timedelta(seconds=1))
    assert report["kicked"] == [doc_id]
    woken = firestore_client.collection("documents").document(doc_id).get().to_dict() or {} or {}
    assert lifecycle.is_due(woken, datetime.now(UTC))
    assert process_document(_deps(firestore_client, ScriptedEngine()), doc_id).outcome == (
        "processed")


def test_quota_failure_waits_hours(
    firestore_client: firestore.Client, storage_bucket: storage.Bucket,
) -> None:
    doc_id = _pending(firestore_client, storage_bucket, _scan_pdf())
    engine = ScriptedEngine([QuotaOcrError("RESOURCE_EXHAUSTED")])
    before = datetime.now(UTC)
    assert process_document(_deps(firestore_client, engine), doc_id).outcome == "requeued"
    assert engine.calls == 1  # no in-place retry against an exhausted quota
    doc = firestore_client.collection("documents").document(doc_id).get().to_dict() or {}
    assert doc["lastError"]["class"] == "quota"
    assert doc["retryAt"] > before + timedelta(minutes=29)


def test_permanent_failure_is_an_error_with_an_errors_entry(
    firestore_client: firestore.Client, storage_bucket: storage.Bucket,
) -> None:
    doc_id = _pending(firestore_client, storage_bucket, _scan_pdf())
    engine = ScriptedEngine([KeyError("a bug")])
    assert process_document(_deps(firestore_client, engine), doc_id).outcome == "error"
    doc = firestore_client.collection("documents").document(doc_id).get().to_dict() or {}
    assert doc["status"] == "error" and "processingOwner" not in doc
    [error] = [e.to_dict() for e in firestore_client.collection("errors").stream()]
    assert error["errorType"] == "システムエラー" and error["documentId"] == doc_id
    assert error["status"] == "未対応"


def test_stuck_processing_is_rescued_up_to_the_cap_then_given_up(
    firestore_client: firestore.Client, storage_bucket: storage.Bucket,
) -> None:
    doc_id = _pending(firestore_client, storage_bucket)
    start = datetime.now(UTC)
    for round_ in range(4):
        now = start + timedelta(hours=round_)
        assert lifecycle.claim(firestore_client, doc_id, now) is not None  # then it "dies"
        report = handle_rescue(now=now + timedelta(seconds=901))
        if round_ < 3:
            assert report["requeued"] == [doc_id]
        else:
            assert report["givenUp"] == [doc_id]
    doc = firestore_client.collection("documents").document(doc_id).get().to_dict() or {}
    assert doc["status"] == "error" and doc["rescueCount"] == 3
    errors = [e.to_dict() for e in firestore_client.collection("errors").stream()]
    assert [e["errorType"] for e in errors] == ["システムエラー"]


def test_rescue_leaves_a_live_attempt_alone(
    firestore_client: firestore.Client, storage_bucket: storage.Bucket,
) -> None:
    doc_id = _pending(firestore_client, storage_bucket)
    now = datetime.now(UTC)
    assert lifecycle.claim(firestore_client, doc_id, now) is not None
    report = handle_rescue(now=now + timedelta(seconds=60))
    assert report["requeued"] == [] and report["givenUp"] == []


def test_reprocessing_keeps_what_a_person_confirmed(
    firestore_client: firestore.Client, storage_bucket: storage.Bucket,
) -> None:
    doc_id = _pending(firestore_client, storage_bucket)
    assert process_document(_deps(firestore_client), doc_id).outcome == "processed"
    ref = firestore_client.collection("documents").document(doc_id)
    # A person fixes the customer (同姓同名) and the date, then asks for a re-run.
    ref.update({"customerName": "山田 太郎（東町）", "customerId": "cust-yamada-2",
                "confirmedBy": "uid-cm-nakamura", "fileDate": "2025-04-01",
                "editedBy": "uid-cm-nakamura", "editedFields": ["fileDate"],
                "reprocessRequested": True})
    assert process_document(_deps(firestore_client), doc_id).outcome == "processed"

    doc = ref.get().to_dict() or {}
    assert doc["processingAttempts"] == 2 and doc["reprocessRequested"] is False
    assert doc["customerName"] == "山田 太郎（東町）" and doc["customerId"] == "cust-yamada-2"
    assert doc["confirmedBy"] == "uid-cm-nakamura" and doc["fileDate"] == "2025-04-01"
    assert doc["officeName"] == "あおば訪問看護ステーション"  # not decided by a person
    assert doc["documentType"] == "訪問看護報告書"


def test_processed_document_without_a_request_is_not_processed_again(
    firestore_client: firestore.Client, storage_bucket: storage.Bucket,
) -> None:
    doc_id = _pending(firestore_client, storage_bucket)
    assert process_document(_deps(firestore_client), doc_id).outcome == "processed"
    assert process_document(_deps(firestore_client), doc_id).outcome == "skipped"
