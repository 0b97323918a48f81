"""The pipeline's pure rules: size discipline, human decisions, failure classes, the
lifecycle's decisions (what is due, what the rescue does)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from google.api_core import exceptions as gexc

from shared.ocr.chain import OcrOutcome
from shared.ocr.types import PageResult, QuotaOcrError, TransientOcrError, UnreadableFileError
from shared.pipeline.doc_size import FIRESTORE_MAX_DOCUMENT_BYTES, document_size
from shared.pipeline.failures import (
    Disposition,
    backoff_seconds,
    classify,
    error_type_for,
    retry_transient,
)
from shared.pipeline.lifecycle import is_due, rescue_decision
from shared.pipeline.protected import EXTRACTED_FIELDS, without_protected
from shared.pipeline.results import (
    DETAIL_DOCUMENT_BOUND_BYTES,
    LIST_DOCUMENT_BOUND_BYTES,
    ocr_fields,
)
from shared.pipeline.settings import PipelineSettings

NOW = datetime(2025, 4, 1, 9, 0, tzinfo=UTC)
CAPS = PipelineSettings()


def _fields(outcome: OcrOutcome) -> tuple[dict[str, object], dict[str, object], bool]:
    result = ocr_fields(outcome, inline_text_cap_chars=CAPS.inline_text_cap_chars,
                        page_text_cap_chars=CAPS.page_text_cap_chars,
                        detail_text_budget_bytes=CAPS.detail_text_budget_bytes)
    return result.list_fields, result.detail_fields, result.needs_storage


def test_an_absurdly_long_page_stays_out_of_the_list_and_detail_documents() -> None:
    absurd = "利用者氏名佐藤花子様、サービス提供票。" * 200_000  # 3.8 M characters
    outcome = OcrOutcome([PageResult(1, absurd, 0.9, "tesseract")], 1)
    list_fields, detail, needs_storage = _fields(outcome)

    assert needs_storage
    assert len(str(list_fields["ocrResult"])) == CAPS.inline_text_cap_chars
    assert list_fields["ocrTruncated"] is True
    assert document_size("documents/x", list_fields) < LIST_DOCUMENT_BOUND_BYTES
    assert document_size("documents/x/detail/ocr", detail) < DETAIL_DOCUMENT_BOUND_BYTES
    page = detail["pageResults"][0]
    assert page["textTruncated"] is True and page["textChars"] == len(absurd)


def test_two_thousand_full_pages_with_errors_and_rotations_fit_the_bounds() -> None:
    pages = [PageResult(n, "介護記録" * 2000, 0.8, "vision", rotation=90,
                        status="failed" if n % 3 == 0 else "ok",
                        error="Vision page error 13: " + "x" * 1000 if n % 3 == 0 else None)
             for n in range(1, 2001)]
    list_fields, detail, _ = _fields(OcrOutcome(pages, 2000))

    assert document_size("documents/x", list_fields) < LIST_DOCUMENT_BOUND_BYTES
    assert document_size("documents/x/detail/ocr", detail) < DETAIL_DOCUMENT_BOUND_BYTES
    assert DETAIL_DOCUMENT_BOUND_BYTES < FIRESTORE_MAX_DOCUMENT_BYTES
    assert len(detail["pageResults"]) == 2000  # type: ignore[arg-type]


def test_short_text_stays_inline_and_needs_no_storage() -> None:
    outcome = OcrOutcome([PageResult(1, "訪問看護報告書 山田 太郎 様", None, "textLayer"),
                          PageResult(2, "", None, "tesseract", status="failed", error="boom")], 2)
    list_fields, _, needs_storage = _fields(outcome)
    assert not needs_storage
    assert list_fields["ocrResult"] == "訪問看護報告書 山田 太郎 様"
    assert list_fields["ocrStats"] == {
        "pagesRead": 1, "pagesFailed": 1, "pagesSkipped": 0, "failedPages": [2],
        "textChars": len("訪問看護報告書 山田 太郎 様"), "meanConfidence": None}


# -- human decisions ------------------------------------------------------------------

RESOLVED = {"documentType": "訪問看護報告書", "fileDate": "2025-03-31",
            "customerName": "山田 太郎", "customerId": "c-2", "customerConfirmed": True,
            "officeName": "あおば訪問看護ステーション", "officeId": "o-2",
            "ocrResult": "…", "status": "processed"}


def test_pipeline_confirmed_fields_are_overwritten_by_a_new_run() -> None:
    current = {"customerName": "山田 太郎", "customerConfirmed": True, "confirmedBy": None}
    assert without_protected(RESOLVED, current) == RESOLVED


def test_customer_confirmed_by_a_person_is_kept() -> None:
    current = {"customerName": "山田 花子", "customerConfirmed": True, "confirmedBy": "uid-7"}
    update = without_protected(RESOLVED, current)
    assert "customerName" not in update and "customerId" not in update
    assert update["officeName"] == "あおば訪問看護ステーション"


def test_office_confirmed_by_a_person_is_kept() -> None:
    update = without_protected(RESOLVED, {"officeConfirmedBy": "uid-1"})
    assert "officeName" not in update and update["customerName"] == "山田 太郎"


def test_verified_document_keeps_everything_extracted_but_gets_new_ocr() -> None:
    update = without_protected(RESOLVED, {"verified": True, "verifiedBy": "uid-3"})
    assert not set(update) & EXTRACTED_FIELDS
    assert update["ocrResult"] == "…" and update["status"] == "processed"


def test_edited_fields_are_kept_and_only_those_when_listed() -> None:
    update = without_protected(RESOLVED, {"editedBy": "uid-4", "editedFields": ["fileDate"]})
    assert "fileDate" not in update and update["documentType"] == "訪問看護報告書"
    unlisted = without_protected(RESOLVED, {"editedBy": "uid-4"})
    assert not set(unlisted) & EXTRACTED_FIELDS


# -- failures -------------------------------------------------------------------------


@pytest.mark.parametrize(("exc", "disposition"), [
    (TransientOcrError("503"), Disposition.TRANSIENT),
    (gexc.ServiceUnavailable("down"), Disposition.TRANSIENT),
    (gexc.DeadlineExceeded("slow"), Disposition.TRANSIENT),
    (ConnectionResetError("reset"), Disposition.TRANSIENT),
    (QuotaOcrError("quota"), Disposition.QUOTA),
    (gexc.ResourceExhausted("quota"), Disposition.QUOTA),
    (gexc.TooManyRequests("429"), Disposition.QUOTA),
    (UnreadableFileError("encrypted"), Disposition.PERMANENT),
    (gexc.InvalidArgument("bad"), Disposition.PERMANENT),
    (KeyError("bug"), Disposition.PERMANENT),
])
def test_failures_are_classified(exc: Exception, disposition: Disposition) -> None:
    assert classify(exc) is disposition


def test_permanent_failures_map_to_the_seed_error_types() -> None:
    assert error_type_for(UnreadableFileError("x")) == "ファイル処理エラー"
    assert error_type_for(gexc.NotFound("gone")) == "ファイル処理エラー"
    assert error_type_for(KeyError("bug")) == "システムエラー"


def test_backoff_grows_exponentially_with_jitter_and_a_cap() -> None:
    rng = random.Random(1)
    delays = [backoff_seconds(n, 1.0, 20.0, rng) for n in range(8)]
    for n, delay in enumerate(delays):
        ceiling = min(20.0, 2.0 ** n)
        assert ceiling / 2 <= delay <= ceiling
    assert len({round(d, 6) for d in delays[5:]}) == 3  # capped, but still jittered


def test_transient_failures_are_retried_then_given_up() -> None:
    slept: list[float] = []
    calls = {"n": 0}

    def flaky() -> str:
        calls["n"] += 1
        if calls["n"] < 3:
            raise TransientOcrError("503")
        return "読めた"

    assert retry_transient(flaky, retries=3, base=1, cap=10, sleep=slept.append,
                           rng=random.Random(2)) == "読めた"
    assert len(slept) == 2

    def always() -> str:
        raise TransientOcrError("503")

    with pytest.raises(TransientOcrError):
        retry_transient(always, retries=2, base=1, cap=10, sleep=slept.append,
                        rng=random.Random(2))


def test_permanent_failures_are_not_retried() -> None:
    slept: list[float] = []

    def broken() -> str:
        raise UnreadableFileError("暗号化")

    with pytest.raises(UnreadableFileError):
        retry_transient(broken, retries=5, base=1, cap=10, sleep=slept.append,
                        rng=random.Random(0))
    assert slept == []


# -- lifecycle decisions -------------------------------------------------------------


@pytest.mark.parametrize(("doc", "due"), [
    ({"status": "pending"}, True),
    ({"status": "pending", "retryAt": NOW + timedelta(minutes=5)}, False),
    ({"status": "pending", "retryAt": NOW - timedelta(seconds=1)}, True),
    ({"status": "processing"}, False),
    ({"status": "processing", "reprocessRequested": True}, False),
    ({"status": "processed"}, False),
    ({"status": "processed", "reprocessRequested": True}, True),
    ({"status": "error", "reprocessRequested": True}, True),
    ({"status": "processed", "duplicateOf": "a"}, False),
    ({"status": "split", "reprocessRequested": True}, False),
])
def test_what_is_due(doc: dict[str, object], due: bool) -> None:
    assert is_due(doc, NOW) is due


STUCK = timedelta(seconds=900)


@pytest.mark.parametrize(("doc", "action"), [
    ({"status": "processing", "processingStartedAt": NOW - timedelta(seconds=60)}, "none"),
    ({"status": "processing", "processingStartedAt": NOW - timedelta(seconds=901)}, "requeue"),
    ({"status": "processing", "processingStartedAt": NOW - timedelta(hours=1),
      "rescueCount": 3}, "give_up"),
    ({"status": "pending", "retryAt": NOW + timedelta(hours=2)}, "none"),
    ({"status": "pending", "retryAt": NOW - timedelta(minutes=1)}, "kick"),
    ({"status": "pending", "updatedAt": NOW - timedelta(minutes=1)}, "none"),
    ({"status": "pending", "updatedAt": NOW - timedelta(hours=1)}, "kick"),
    ({"status": "processed", "updatedAt": NOW - timedelta(days=9)}, "none"),
])
def test_rescue_decisions(doc: dict[str, object], action: str) -> None:
    assert rescue_decision(doc, NOW, STUCK, max_rescues=3).action == action
