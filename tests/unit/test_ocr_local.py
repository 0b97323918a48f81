"""Local OCR: the text-layer rule, Tesseract with orientation detection, the engine chain."""

from __future__ import annotations

import random

import pytest

from shared.localcloud.samples import (
    DOCUMENTS,
    fax_tiff,
    image_pdf,
    render_page,
    render_pdf,
    scanify,
    to_png,
)
from shared.ocr.chain import read_pages
from shared.ocr.source import open_pages
from shared.ocr.tesseract import TesseractEngine, parse_osd, parse_tsv_confidence, tidy_japanese
from shared.ocr.text_layer import is_trustworthy
from shared.ocr.types import OcrRequest, PageResult, UnreadableFileError


def _squash(text: str) -> str:
    return "".join(text.split())


@pytest.mark.parametrize(("text", "trusted"), [
    ("サービス提供票　利用者氏名　佐藤 花子 様　作成日 令和7年4月1日", True),
    ("FAX 03-1234", False),  # a fax server's stamp on a scanned page: too short
    ("", False),
    ("\ufffd" * 30 + "サービス提供票", False),  # fonts without a ToUnicode map
    ("\ue000\ue001\ue002" * 10 + "サービス提供票の内容です", False),  # private-use glyphs
    ("Sarv1ce Teikyo hyo Sato Hanako sama sakusei-bi 2025", False),  # Latin OCR soup
    ("2025-04-01 10:00-10:45 3,420 16,765 0120-000-000", True),  # figures only
])
def test_text_layer_trust_rule(text: str, trusted: bool) -> None:
    assert is_trustworthy(text) is trusted


def test_born_digital_pdf_is_read_from_its_text_layer_without_ocr() -> None:
    doc = DOCUMENTS["service_ticket"]
    pages = open_pages(render_pdf(doc), "application/pdf", 200)

    class NoOcr:
        name = "tesseract"

        def read(self, request: OcrRequest) -> list[PageResult]:
            raise AssertionError(f"OCR asked for pages {request.page_indexes}")

    outcome = read_pages(pages, NoOcr(), max_pages=100, max_ocr_pages=100)  # type: ignore[arg-type]
    assert [p.engine for p in outcome.pages] == ["textLayer", "textLayer"]
    assert "佐藤花子" in _squash(outcome.pages[0].text)
    assert "令和7年4月1日" in outcome.pages[0].text


def test_osd_output_is_parsed() -> None:
    found = parse_osd("Page number: 0\nOrientation in degrees: 270\nRotate: 90\n"
                      "Orientation confidence: 5.10\nScript: Han\n")
    assert found is not None and (found.rotate_clockwise, found.confidence) == (90, 5.10)
    assert parse_osd("Too few characters. Skipping this page") is None


def test_tsv_confidence_is_weighted_by_word_length() -> None:
    header = "\t".join(["level", "page_num", "block_num", "par_num", "line_num", "word_num",
                        "left", "top", "width", "height", "conf", "text"])
    rows = ["5\t1\t1\t1\t1\t1\t0\t0\t1\t1\t90\t佐藤花子", "5\t1\t1\t1\t1\t2\t0\t0\t1\t1\t30\t様",
            "4\t1\t1\t1\t1\t0\t0\t0\t1\t1\t-1\t"]
    assert parse_tsv_confidence("\n".join([header, *rows])) == pytest.approx((90 * 4 + 30) / 500)


def test_spaces_between_japanese_characters_are_dropped() -> None:
    assert tidy_japanese("利 用 者 氏 名 佐藤 花子 様\n\n\n\nFAX 03-1234") == (
        "利用者氏名佐藤花子様\n\nFAX 03-1234")


@pytest.fixture(scope="module")
def tesseract() -> TesseractEngine:
    return TesseractEngine()


def test_upside_down_scan_is_turned_and_read(tesseract: TesseractEngine) -> None:
    doc = DOCUMENTS["day_care_plan"]
    image = scanify(render_page(doc, 0), random.Random(3), skew=-0.7, noise=0.003, turn=180)
    pages = open_pages(to_png(image), "image/png", 200)
    [page] = tesseract.read(OcrRequest(pages, (0,)))

    assert page.status == "ok" and page.rotation == 180
    assert "デイサービスみどり" in _squash(page.text)
    assert page.confidence is not None and page.confidence > 0.7


def test_fax_tiff_pages_are_read_and_the_sideways_page_recorded(
    tesseract: TesseractEngine,
) -> None:
    doc = DOCUMENTS["fax_ticket"]
    pages = open_pages(fax_tiff(doc, random.Random(5), turned_page=1), "image/tiff", 200)
    outcome = read_pages(pages, tesseract, max_pages=100, max_ocr_pages=100)

    assert outcome.total_pages == 3
    assert [p.rotation for p in outcome.pages] == [0, 90, 0]
    assert all("田中正雄" in _squash(p.text) for p in outcome.pages)
    assert "FAX" in outcome.pages[0].text


def test_scanned_pdf_without_text_layer_goes_to_ocr_and_caps_apply(
    tesseract: TesseractEngine,
) -> None:
    doc = DOCUMENTS["scanned_report"]
    page = render_page(doc, 0)
    pages = open_pages(image_pdf([page, page, page]), "application/pdf", 200)
    outcome = read_pages(pages, tesseract, max_pages=2, max_ocr_pages=1)

    assert [(p.page_number, p.engine, p.status) for p in outcome.pages] == [
        (1, "tesseract", "ok"), (2, "tesseract", "skipped"), (3, "tesseract", "skipped")]
    assert "訪問看護報告書" in _squash(outcome.pages[0].text)


@pytest.mark.parametrize(("data", "mime", "why"), [
    (b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog", "application/pdf", "破損"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png", "画像を読めません"),
])
def test_unreadable_files_raise_a_permanent_error(data: bytes, mime: str, why: str) -> None:
    with pytest.raises(UnreadableFileError, match=why):
        pages = open_pages(data, mime, 200)
        pages.render(0, 200, 12)
