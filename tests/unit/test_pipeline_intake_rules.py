"""Intake's pure rules: what a file is (by its bytes), and what it is called."""

from __future__ import annotations

import pytest

from shared.localcloud.samples import DOCUMENTS, render_page, render_pdf, to_jpeg, to_png, wav_bytes
from shared.pipeline.duplicates import md5_hex
from shared.pipeline.filetype import sniff
from shared.pipeline.names import display_file_name


@pytest.mark.parametrize(("head", "kind", "mime"), [
    (b"%PDF-1.7\n", "pdf", "application/pdf"),
    (b"\xef\xbb\xbf  %PDF-1.4", "pdf", "application/pdf"),  # junk before the header
    (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n\x00", "image", "image/png"),
    (b"II*\x00\x08\x00", "image", "image/tiff"),
    (b"MM\x00*\x00\x00", "image", "image/tiff"),
    (b"GIF89a\x01\x00", "image", "image/gif"),
    (b"\x00\x00\x00\x18ftypheic\x00\x00", "image", "image/heic"),
    (b"\x00\x00\x00\x20ftypM4A \x00\x00", "audio", "audio/mp4"),
    (b"ID3\x04\x00", "audio", "audio/mpeg"),
    (b"OggS\x00\x02", "audio", "audio/ogg"),
    (b"PK\x03\x04", "unknown", "application/octet-stream"),
    (b"MZ\x90\x00", "unknown", "application/octet-stream"),
    (b"", "empty", "application/octet-stream"),
])
def test_type_comes_from_magic_bytes(head: bytes, kind: str, mime: str) -> None:
    detected = sniff(head)
    assert (detected.kind, detected.mime_type) == (kind, mime)


def test_generated_samples_are_recognised_whatever_their_names_say() -> None:
    doc = DOCUMENTS["care_plan"]
    assert sniff(render_pdf(doc)[:64]).mime_type == "application/pdf"
    page = render_page(doc, 0).resize((200, 283))
    assert sniff(to_jpeg(page)[:64]).mime_type == "image/jpeg"
    assert sniff(to_png(page)[:64]).mime_type == "image/png"
    assert sniff(wav_bytes()[:64]).kind == "audio"


@pytest.mark.parametrize(("object_name", "shown"), [
    ("uploads/サービス提供票_佐藤花子.pdf", "サービス提供票_佐藤花子.pdf"),
    ("uploads/../../etc/passwd", "passwd"),
    ("gmail/msg1/C:\\スキャン\\訪問看護報告書.pdf", "訪問看護報告書.pdf"),
    ("uploads/報告書\x00\x07\r\n.pdf", "報告書 .pdf"),
    ("uploads/\u202e\u200bfdp.exe", "fdp.exe"),
    ("uploads/..", "無題"),
    ("uploads/", "uploads"),
])
def test_display_name_is_last_segment_without_control_characters(object_name: str,
                                                                  shown: str) -> None:
    assert display_file_name(object_name) == shown


def test_overlong_name_keeps_its_extension() -> None:
    name = display_file_name("uploads/" + "居宅サービス計画書" * 40 + ".pdf")
    assert len(name) == 200 and name.endswith(".pdf")


def test_storage_md5_is_recorded_as_hex() -> None:
    assert md5_hex("1B2M2Y8AsgTpgAmY7PhCfg==") == "d41d8cd98f00b204e9800998ecf8427e"
    assert md5_hex(None) is None
    assert md5_hex("not base64!") is None


def test_heic_photo_is_recognised_and_opened() -> None:
    import io

    from PIL import Image

    from shared.ocr.source import _register_heif, open_pages

    _register_heif()
    buf = io.BytesIO()
    Image.new("RGB", (320, 240), "white").save(buf, "HEIF")
    data = buf.getvalue()
    assert sniff(data[:64]).mime_type == "image/heic"
    pages = open_pages(data, "image/heic", 200)
    assert pages.page_count == 1 and pages.render(0, 200, 12).size == (320, 240)
