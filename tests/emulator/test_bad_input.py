"""Bad input, each its own test: nothing is lost, nothing is silent, retrying is safe."""

from __future__ import annotations

import io
import threading

from google.cloud import firestore
from PIL import Image, ImageDraw, ImageFont

from shared.config import get_settings
from shared.events.storage import StorageObject
from shared.localcloud.samples import DOCUMENTS, font_path, render_page, render_pdf, to_jpeg
from shared.pipeline.doc_size import document_size
from shared.pipeline.intake import register_object
from shared.pipeline.results import DETAIL_DOCUMENT_BOUND_BYTES, LIST_DOCUMENT_BOUND_BYTES
from tests.fakes.pipeline_driver import PipelineDriver, doc_id_of, upload
from tests.functions_client import function_client


def _only_error(driver: PipelineDriver) -> dict[str, object]:
    errors = driver.errors()
    assert len(errors) == 1, errors
    return errors[0]


def test_zero_byte_file_is_an_explained_error(driver: PipelineDriver) -> None:
    doc_id, doc = driver.run("uploads/空のスキャン.pdf", b"")
    assert doc["status"] == "error" and "0バイト" in doc["errorReason"]
    error = _only_error(driver)
    assert error["errorType"] == "ファイル処理エラー" and error["documentId"] == doc_id
    assert error["fileName"] == "空のスキャン.pdf"


def test_truncated_pdf_is_an_explained_error(driver: PipelineDriver) -> None:
    whole = render_pdf(DOCUMENTS["nursing_report"])
    _, doc = driver.run("uploads/訪問看護報告書_途中まで.pdf", whole[: len(whole) // 3])
    assert doc["status"] == "error"
    assert _only_error(driver)["errorType"] == "ファイル処理エラー"


def test_encrypted_pdf_is_an_explained_error(driver: PipelineDriver) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_encryption(owner_password="owner-secret", user_password="riyousha-2025")
    pdf.add_font("jp", "", str(font_path()))
    pdf.add_page()
    pdf.set_font("jp", size=14)
    pdf.cell(0, 10, "訪問看護報告書　山田 太郎 様")
    _, doc = driver.run("uploads/暗号化.pdf", bytes(pdf.output()))
    assert doc["status"] == "error" and "暗号化" in doc["errorReason"]
    assert _only_error(driver)["errorType"] == "ファイル処理エラー"


def test_pdf_with_zero_pages_is_an_explained_error(driver: PipelineDriver) -> None:
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 3\n0000000000 65535 f \n"
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size 3 /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    _, doc = driver.run("uploads/白紙.pdf", bytes(out))
    assert doc["status"] == "error" and "0枚" in doc["errorReason"]


def test_fifty_megapixel_scan_is_read_at_a_bounded_size(driver: PipelineDriver) -> None:
    image = Image.new("L", (8660, 5774), 255)  # 50 MP: A3 landscape at ~600 dpi
    draw = ImageDraw.Draw(image)
    draw.text((600, 600), "居宅サービス計画書", font=ImageFont.truetype(str(font_path()), 400),
              fill=0)
    draw.text((600, 1400), "利用者氏名　鈴木 一郎 様", font=ImageFont.truetype(str(font_path()),
                                                                       300), fill=0)
    buf = io.BytesIO()
    image.save(buf, "PNG")
    _, doc = driver.run("uploads/高解像度スキャン.png", buf.getvalue(), "image/png")
    assert doc["status"] == "processed", doc.get("errorReason")
    assert "鈴木一郎" in "".join(doc["ocrResult"].split())


def test_extension_that_lies_is_ignored_for_the_content(driver: PipelineDriver) -> None:
    jpeg = to_jpeg(render_page(DOCUMENTS["care_plan"], 0))
    _, doc = driver.run("uploads/居宅サービス計画書.pdf", jpeg, "application/pdf")
    assert doc["mimeType"] == "image/jpeg" and doc["declaredMimeType"] == "application/pdf"
    assert doc["status"] == "processed" and doc["ocrEngine"] == "tesseract"


def test_executable_dressed_as_a_pdf_is_refused(driver: PipelineDriver) -> None:
    _, doc = driver.run("uploads/請求書.pdf", b"MZ\x90\x00\x03" + b"\x00" * 200)
    assert doc["status"] == "error" and "対応していない" in doc["errorReason"]
    assert _only_error(driver)["errorType"] == "ファイル処理エラー"


def test_name_with_path_separators(driver: PipelineDriver) -> None:
    # ("..", which the Storage emulator refuses, is covered by the display-name unit test.)
    name = "uploads/mail/C:\\Users\\事務\\訪問看護報告書 山田.pdf"
    doc_id, doc = driver.run(name, render_pdf(DOCUMENTS["nursing_report"]))
    assert doc["fileName"] == "訪問看護報告書 山田.pdf"
    assert doc["fileId"] == name and doc["status"] == "processed"
    assert len(doc_id) == 24 and doc_id.isalnum()


def test_name_with_control_characters(firestore_client: firestore.Client) -> None:
    # The Storage emulator refuses such names over HTTP, while Cloud Storage only forbids
    # CR and LF: intake is given the object resource directly, and the bytes by a stub.
    class OneObject:
        def bucket(self, name: str) -> OneObject:
            return self

        def blob(self, name: str, generation: int | None = None) -> OneObject:
            return self

        def download_as_bytes(self, start: int = 0, end: int | None = None) -> bytes:
            return render_pdf(DOCUMENTS["nursing_report"])[start:(end or 0) + 1]

    name = "uploads/訪問看護\x07報告書\t山田\x1b[31m.pdf"
    obj = StorageObject.model_validate({
        "bucket": "demo-care-docs-files", "name": name, "generation": "1700000000000001",
        "size": "2048", "contentType": "application/pdf", "md5Hash": "1B2M2Y8AsgTpgAmY7PhCfg=="})
    outcome = register_object(firestore_client, obj, get_settings(),
                              OneObject())
    doc = firestore_client.collection("documents").document(outcome.document_id).get().to_dict()
    assert doc is not None and doc["status"] == "pending"
    assert doc["fileName"] == "訪問看護 報告書 山田 [31m.pdf" and doc["fileId"] == name


def test_three_hundred_page_pdf_keeps_the_list_document_small(driver: PipelineDriver) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_font("jp", "", str(font_path()))
    pdf.set_font("jp", size=10)
    pdf.set_auto_page_break(False)
    line = "サービス提供票　利用者氏名　佐藤 花子 様　単位数合計 3,420単位　"
    for page in range(300):
        pdf.add_page()
        for row in range(45):
            pdf.set_xy(10, 10 + row * 6)
            pdf.cell(0, 5, f"{page + 1}-{row + 1} {line}")
    doc_id, doc = driver.run("uploads/実績_300ページ.pdf", bytes(pdf.output()))

    assert doc["status"] == "processed" and doc["totalPages"] == 300
    assert document_size(f"documents/{doc_id}", doc) < LIST_DOCUMENT_BOUND_BYTES
    assert doc["ocrTruncated"] is True and doc["ocrResultUrl"].startswith("gs://")
    detail = driver.detail(doc_id)
    assert detail is not None and len(detail["pageResults"]) == 300
    assert document_size(f"documents/{doc_id}/detail/ocr", detail) < DETAIL_DOCUMENT_BOUND_BYTES
    name = doc["ocrResultUrl"].split("/", 3)[3]
    stored = driver.bucket.blob(name).download_as_bytes().decode("utf-8")
    assert stored.count("\f") == 299 and "300-45 サービス提供票" in stored


def test_same_object_finalized_twice_concurrently(driver: PipelineDriver) -> None:
    resource = upload(driver.bucket, "uploads/サービス提供票_同時.pdf",
                      render_pdf(DOCUMENTS["service_ticket"]))
    from shared.localcloud import cloudevents_http

    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def deliver(client_kind: str) -> None:
        if client_kind == "intake":
            client = function_client("intake", "on_object_finalized")
            event = cloudevents_http.storage_finalized(resource)
        else:
            client = function_client("process_document", "on_document_written")
            event = driver.written_event(doc_id_of(resource))
        barrier.wait()
        statuses.append(client.post("/", data=event.body, headers=event.headers).status_code)

    for kind in ("intake", "process"):
        threads = [threading.Thread(target=deliver, args=(kind,)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    # A concurrent duplicate may be told "in progress, retry later" (500): that is the
    # at-least-once contract. Every other answer is a success.
    assert all(s in (200, 500) for s in statuses) and statuses.count(200) >= 2
    docs = [d.to_dict() or {} for d in driver.db.collection("documents").stream()]
    assert len(docs) == 1
    assert docs[0]["status"] == "processed" and docs[0]["processingAttempts"] == 1
    assert driver.errors() == []
