"""The Cloud Vision engine, through the real google-cloud-vision client, against a local
server that speaks Vision's gRPC API (tests/fakes/vision_server.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from google.api_core.retry import Retry

from shared.localcloud.samples import DOCUMENTS, image_pdf, render_page, to_png
from shared.ocr.source import open_pages
from shared.ocr.types import OcrRequest, QuotaOcrError, TransientOcrError
from shared.ocr.vision import DEFAULT_RPC_RETRY, VisionEngine, make_vision_client, text_angle
from tests.fakes.vision_server import FakeVision, running_fake_vision


@pytest.fixture
def fake() -> Iterator[tuple[str, FakeVision]]:
    with running_fake_vision() as served:
        yield served


def _engine(endpoint: str, rpc_retry: Retry | None = DEFAULT_RPC_RETRY) -> VisionEngine:
    def no_storage() -> object:
        raise AssertionError("the sync route must not touch Storage")

    return VisionEngine(lambda: make_vision_client(endpoint), no_storage,
                        project="demo-care-docs", bucket="b", output_prefix="_pipeline/",
                        rpc_retry=rpc_retry)


def _fax_pdf(pages: int) -> tuple[bytes, list[str]]:
    doc = DOCUMENTS["fax_ticket"]
    images = [render_page(doc, i % doc.pages).resize((413, 585)) for i in range(pages)]
    texts = [f"サービス提供票 {doc.customer} 様 {i + 1}ページ" for i in range(pages)]
    return image_pdf(images), texts


def test_twelve_page_scan_is_read_in_requests_of_at_most_five_pages_with_ja_hint(
    fake: tuple[str, FakeVision],
) -> None:
    endpoint, state = fake
    data, texts = _fax_pdf(12)
    state.register(data, texts)
    pages = open_pages(data, "application/pdf", 200)
    results = _engine(endpoint).read(OcrRequest(pages, tuple(range(12))))

    assert [r.text for r in results] == texts
    assert all(r.status == "ok" and r.engine == "vision" for r in results)
    assert [len(c.pages) for c in state.calls] == [5, 5, 2]
    assert all(c.language_hints == ["ja"] for c in state.calls)
    assert results[0].confidence == pytest.approx(0.97)


def test_pages_failing_inside_a_request_fail_alone(fake: tuple[str, FakeVision]) -> None:
    endpoint, state = fake
    data, texts = _fax_pdf(6)
    state.register(data, texts)
    state.fail_pages = {2, 6}
    pages = open_pages(data, "application/pdf", 200)
    results = _engine(endpoint).read(OcrRequest(pages, tuple(range(6))))

    assert [r.status for r in results] == ["ok", "failed", "ok", "ok", "ok", "failed"]
    assert "page 2" in (results[1].error or "")
    assert results[2].text == texts[2]


def test_image_is_annotated_directly_and_sideways_text_gives_its_rotation(
    fake: tuple[str, FakeVision],
) -> None:
    endpoint, state = fake
    png = to_png(render_page(DOCUMENTS["care_plan"], 0).resize((400, 566)))
    state.register(png, ["居宅サービス計画書 鈴木 一郎 様"])
    state.text_angles = {1: 90}  # text runs downwards: the page lies turned clockwise
    pages = open_pages(png, "image/png", 200)
    [result] = _engine(endpoint).read(OcrRequest(pages, (0,)))

    assert state.calls[0].method == "BatchAnnotateImages"
    assert result.text == "居宅サービス計画書 鈴木 一郎 様"
    assert result.rotation == 270


@pytest.mark.parametrize(("vertices", "angle"), [
    ([(0, 0), (10, 0)], 0), ([(10, 0), (10, 10)], 90), ([(10, 10), (0, 10)], 180),
    ([(0, 10), (0, 0)], 270)])
def test_reading_direction_of_a_box(vertices: list[tuple[float, float]], angle: int) -> None:
    assert text_angle(vertices) == angle


def test_exhausted_quota_is_classified_as_quota(fake: tuple[str, FakeVision]) -> None:
    endpoint, state = fake
    state.quota_exhausted = True
    data, _ = _fax_pdf(1)
    pages = open_pages(data, "application/pdf", 200)
    with pytest.raises(QuotaOcrError):
        _engine(endpoint).read(OcrRequest(pages, (0,)))


def test_unavailable_service_is_classified_as_transient(fake: tuple[str, FakeVision]) -> None:
    endpoint, state = fake
    state.unavailable_before_success = 1
    data, _ = _fax_pdf(1)
    pages = open_pages(data, "application/pdf", 200)
    with pytest.raises(TransientOcrError):
        _engine(endpoint, rpc_retry=None).read(OcrRequest(pages, (0,)))


def test_a_brief_outage_is_ridden_out_by_the_bounded_rpc_retry(
    fake: tuple[str, FakeVision],
) -> None:
    endpoint, state = fake
    state.unavailable_before_success = 2
    data, texts = _fax_pdf(1)
    state.register(data, texts)
    pages = open_pages(data, "application/pdf", 200)
    quick = Retry(initial=0.01, maximum=0.05, multiplier=2.0, timeout=5.0,
                  predicate=DEFAULT_RPC_RETRY._predicate)
    [result] = _engine(endpoint, rpc_retry=quick).read(OcrRequest(pages, (0,)))
    assert result.text == texts[0]
    assert state.unavailable_before_success == 0
