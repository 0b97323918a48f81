"""OCR_ENGINE=vision through the whole pipeline: the real Vision client against the local
Vision server, partial and complete failure, and the asynchronous route through Storage."""

from __future__ import annotations

from collections.abc import Iterator

import google.cloud.storage as storage
import pytest
from google.cloud import firestore

from shared.config import get_settings
from shared.handlers.process_document import processing_deps
from shared.localcloud.samples import DOCUMENTS, image_pdf, render_page
from shared.pipeline.settings import get_pipeline_settings
from tests.fakes.pipeline_driver import PipelineDriver
from tests.fakes.vision_server import FakeVision, running_fake_vision


def _clear() -> None:
    get_settings.cache_clear()
    get_pipeline_settings.cache_clear()
    processing_deps.cache_clear()


@pytest.fixture
def vision(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeVision]:
    with running_fake_vision() as (endpoint, state):
        monkeypatch.setenv("OCR_ENGINE", "vision")
        monkeypatch.setenv("VISION_API_ENDPOINT", endpoint)
        monkeypatch.setenv("VISION_SYNC_MAX_PAGES", "20")
        _clear()
        yield state
    _clear()


@pytest.fixture
def driver(firestore_client: firestore.Client, storage_bucket: storage.Bucket) -> PipelineDriver:
    return PipelineDriver(firestore_client, storage_bucket)


def _scanned_fax(pages: int) -> tuple[bytes, list[str]]:
    doc = DOCUMENTS["fax_ticket"]
    small = render_page(doc, 0).resize((207, 292))
    texts = [f"サービス提供票 利用者氏名 {doc.customer} 様 事業所名 {doc.office} "
             f"作成日 {doc.date_text} {n + 1}/{pages}" for n in range(pages)]
    return image_pdf([small] * pages), texts


def test_scanned_pdf_is_read_by_vision_and_a_failed_page_is_reported(
    vision: FakeVision, driver: PipelineDriver,
) -> None:
    data, texts = _scanned_fax(3)
    vision.register(data, texts)
    vision.fail_pages = {2}
    doc_id, doc = driver.run("gmail/m-1/fax.pdf", data)

    assert doc["status"] == "processed" and doc["ocrEngine"] == "vision"
    assert doc["ocrStats"]["failedPages"] == [2] and doc["ocrStats"]["pagesRead"] == 2
    assert texts[0] in doc["ocrResult"] and texts[1] not in doc["ocrResult"]
    [error] = driver.errors()
    assert error["errorType"] == "OCR部分失敗" and error["documentId"] == doc_id
    assert (error["totalPages"], error["successPages"], error["failedPages"]) == (3, 2, 1)
    assert error["failedPageNumbers"] == "2"
    assert all(c.language_hints == ["ja"] for c in vision.calls)


def test_every_page_failing_is_a_complete_failure(
    vision: FakeVision, driver: PipelineDriver,
) -> None:
    data, texts = _scanned_fax(2)
    vision.register(data, texts)
    vision.fail_pages = {1, 2}
    _, doc = driver.run("uploads/fax.pdf", data)

    assert doc["status"] == "error" and "全2ページ" in doc["errorReason"]
    [error] = driver.errors()
    assert error["errorType"] == "OCR完全失敗" and error["failedPages"] == 2


def test_long_pdf_goes_the_asynchronous_route_through_storage(
    vision: FakeVision, driver: PipelineDriver,
) -> None:
    data, texts = _scanned_fax(25)
    vision.register(data, texts)
    doc_id, doc = driver.run("uploads/実績_25ページ.pdf", data)

    assert doc["status"] == "processed" and doc["totalPages"] == 25
    assert [c.method for c in vision.calls] == ["AsyncBatchAnnotateFiles"]
    detail = driver.detail(doc_id)
    assert detail is not None
    assert [p["text"] for p in detail["pageResults"]] == texts
    leftovers = [b.name for b in driver.bucket.client.list_blobs(
        driver.bucket, prefix="_pipeline/vision/")]
    assert leftovers == []  # results read and cleaned up
    assert driver.errors() == []


def test_exhausted_vision_quota_requeues_hours_away(
    vision: FakeVision, driver: PipelineDriver,
) -> None:
    data, texts = _scanned_fax(1)
    vision.register(data, texts)
    vision.quota_exhausted = True
    _, doc = driver.run("uploads/fax_quota.pdf", data)

    assert doc["status"] == "pending" and doc["lastError"]["class"] == "quota"
    assert (doc["retryAt"] - doc["updatedAt"]).total_seconds() >= 1800
    assert driver.errors() == []
