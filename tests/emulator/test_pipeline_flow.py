"""The pipeline end to end on the emulators: intake → pending → processing → processed,
with real CloudEvents, delivered twice and out of order."""

from __future__ import annotations

import random

import pytest

from shared.idempotency import LEDGER_COLLECTION
from shared.localcloud.samples import DOCUMENTS, render_page, render_pdf, scanify, to_jpeg
from tests.fakes.pipeline_driver import PipelineDriver, doc_id_of, upload


def test_born_digital_pdf_is_processed_from_its_text_layer(driver: PipelineDriver) -> None:
    doc_id, doc = driver.run("uploads/サービス提供票_佐藤花子.pdf",
                             render_pdf(DOCUMENTS["service_ticket"]))

    assert doc["status"] == "processed"
    assert doc["ocrEngine"] == "textLayer" and doc["totalPages"] == 2
    assert "佐藤 花子" in doc["ocrResult"] and "ocrResultUrl" not in doc
    assert doc["mimeType"] == "application/pdf" and doc["sourceType"] == "upload"
    assert doc["fileName"] == "サービス提供票_佐藤花子.pdf"
    assert "processingOwner" not in doc and doc["processingAttempts"] == 1
    detail = driver.detail(doc_id)
    assert detail is not None
    assert [p["engine"] for p in detail["pageResults"]] == ["textLayer", "textLayer"]
    log = driver.db.collection("uploadLogs").document(doc_id).get().to_dict()
    assert log["hash"] == doc["hash"] and log["status"] == "pending"


def test_scan_is_read_by_tesseract(driver: PipelineDriver) -> None:
    image = scanify(render_page(DOCUMENTS["care_plan"], 0), random.Random(1), skew=1.0,
                    noise=0.003)
    _, doc = driver.run("uploads/scan_0001.jpg", to_jpeg(image), "image/jpeg")

    assert doc["status"] == "processed" and doc["ocrEngine"] == "tesseract"
    assert "鈴木一郎" in "".join(doc["ocrResult"].split())
    assert doc["ocrStats"]["meanConfidence"] > 0.6


def test_events_delivered_twice_and_shuffled_process_the_document_once(
    driver: PipelineDriver,
) -> None:
    resource = upload(driver.bucket, "uploads/訪問看護報告書_山田太郎.pdf",
                      render_pdf(DOCUMENTS["nursing_report"]))
    doc_id = doc_id_of(resource)
    assert driver.finalize(resource) == 200
    pending = driver.written_event(doc_id)
    events = [pending, pending]
    driver.announce(doc_id)
    events.append(driver.written_event(doc_id))  # the processed state, announced late
    assert driver.finalize(resource) == 200
    random.Random(4).shuffle(events)
    for event in events:
        assert driver.process.post("/", data=event.body, headers=event.headers).status_code == 200

    doc = driver.doc(doc_id)
    assert doc["status"] == "processed" and doc["processingAttempts"] == 1
    assert len(list(driver.db.collection("documents").stream())) == 1
    ledger = [d.to_dict() for d in driver.db.collection(LEDGER_COLLECTION).stream()]
    assert [e["function"] for e in ledger].count("intake") == 1


def test_same_bytes_by_mail_are_linked_to_the_upload_not_processed_again(
    driver: PipelineDriver,
) -> None:
    pdf = render_pdf(DOCUMENTS["service_ticket"])
    first_id, first = driver.run("uploads/サービス提供票_佐藤花子.pdf", pdf)
    second_id, second = driver.run("gmail/m-123/サービス提供票.pdf", pdf)

    assert first["status"] == "processed"
    assert second["status"] == "processed" and second["duplicateOf"] == first_id
    assert "ocrResult" not in second and "processingAttempts" not in second
    log = driver.db.collection("gmailLogs").document(second_id).get().to_dict()
    assert log["duplicateOf"] == first_id and log["hash"] == first["hash"]


def test_duplicate_policy_process_processes_the_copy_too(
    driver: PipelineDriver, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DUPLICATE_POLICY", "process")
    from shared.config import get_settings

    get_settings.cache_clear()
    pdf = render_pdf(DOCUMENTS["nursing_report"])
    first_id, _ = driver.run("uploads/a.pdf", pdf)
    _, second = driver.run("uploads/b.pdf", pdf)
    assert second["status"] == "processed" and "duplicateOf" not in second
    assert second["sameContentAs"] == first_id and second["ocrEngine"] == "textLayer"


def test_copy_of_a_failed_document_is_processed_not_linked(driver: PipelineDriver) -> None:
    pdf = render_pdf(DOCUMENTS["nursing_report"])
    first_id, _ = driver.run("uploads/a.pdf", pdf)
    driver.db.collection("documents").document(first_id).update({"status": "error"})
    _, second = driver.run("gmail/m-9/a.pdf", pdf)
    assert second["status"] == "processed" and "duplicateOf" not in second


def test_audio_is_recorded_as_received_for_the_counseling_side(driver: PipelineDriver) -> None:
    from shared.localcloud.samples import wav_bytes

    resource = upload(driver.bucket, "uploads/counseling_2025-04-03.wav", wav_bytes(),
                      "audio/wav")
    assert driver.finalize(resource) == 200
    doc_id = doc_id_of(resource)
    assert not driver.db.collection("documents").document(doc_id).get().exists
    log = driver.db.collection("uploadLogs").document(doc_id).get().to_dict()
    assert log["status"] == "received" and log["mediaKind"] == "audio"
    assert driver.errors() == []


def test_pipeline_outputs_in_the_bucket_are_not_taken_in(driver: PipelineDriver) -> None:
    resource = upload(driver.bucket, "_pipeline/ocr/x/y.txt", "長い本文".encode(), "text/plain")
    assert driver.finalize(resource) == 200
    assert list(driver.db.collection("documents").stream()) == []
    assert driver.errors() == []
