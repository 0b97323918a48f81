"""The real resolution engine, wired into processing, over masters read from Firestore."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from google.cloud import firestore

from shared.localcloud.demo_masters import seed_demo_masters
from shared.localcloud.samples import DOCUMENTS, fax_tiff, render_pdf
from shared.pipeline.masters_loader import CachedMasters, read_masters
from shared.pipeline.resolve import to_fields
from tests.fakes.pipeline_driver import PipelineDriver


@pytest.fixture
def driver(driver: PipelineDriver, firestore_client: firestore.Client) -> PipelineDriver:
    seed_demo_masters(firestore_client)
    return driver


def _day(value: datetime) -> str:
    return value.astimezone(ZoneInfo("Asia/Tokyo")).date().isoformat()


def test_born_digital_document_is_resolved_against_the_masters(driver: PipelineDriver) -> None:
    _, doc = driver.run("uploads/sample.pdf", render_pdf(DOCUMENTS["nursing_report"]))

    assert doc["documentType"] == "訪問看護報告書" and doc["category"] == "医療連携"
    assert doc["customerName"] == "山田 太郎" and doc["customerId"] == "cust-yamada-taro"
    assert doc["officeName"] == "あおば訪問看護ステーション"
    assert _day(doc["fileDate"]) == "2025-03-31"
    assert doc["ocrExtraction"]["customerName"] == "山田 太郎"
    assert doc["careManager"] == "小林 健二"


def test_fax_read_by_tesseract_is_resolved(driver: PipelineDriver) -> None:
    data = fax_tiff(DOCUMENTS["fax_ticket"], random.Random(5))
    _, doc = driver.run("gmail/m-7/fax.tif", data, "image/tiff")

    assert doc["documentType"] == "サービス提供票"
    assert doc["customerName"] == "田中 正雄" and doc["officeName"] == "デイサービスみどり"
    assert _day(doc["fileDate"]) == "2025-04-02"
    assert [r["rotation"] for r in doc["pageRotations"]] == [90]


def test_masters_are_read_once_per_period_not_once_per_document(
    firestore_client: firestore.Client,
) -> None:
    seed_demo_masters(firestore_client)
    clock = [0.0]
    cache = CachedMasters(300, clock=lambda: clock[0], builder=lambda rows: rows.count())
    assert cache.get(firestore_client) == 17
    firestore_client.collection("masters").document("customers").collection("items").document(
        "cust-new").set({"name": "渡辺 幸子", "furigana": "わたなべ さちこ"})
    clock[0] = 299
    assert cache.get(firestore_client) == 17 and cache.loads == 1
    clock[0] = 300
    assert cache.get(firestore_client) == 18 and cache.loads == 2
    assert {r["id"] for r in read_masters(firestore_client).rows["customers"]} >= {"cust-new"}


def test_calendar_date_is_stored_as_midnight_in_japan() -> None:
    from datetime import date

    fields = to_fields({"fileDate": date(2025, 4, 1), "documentType": "サービス提供票"},
                       now=datetime(2025, 4, 2, tzinfo=UTC))
    assert fields["fileDate"].astimezone(UTC) == datetime(2025, 3, 31, 15, 0, tzinfo=UTC)
    assert fields["ocrExtraction"]["documentType"] == "サービス提供票"
