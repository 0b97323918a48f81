"""Sample files for ``make demo``, tests and benchmarks, generated on the fly.

Realistic Japanese care documents (サービス提供票, 訪問看護報告書, 居宅サービス計画書, …)
rendered with the IPAex Gothic font (Noto CJK as a fallback): born-digital PDFs with a text
layer, and scan-like images (skew, speckle noise, JPEG artefacts, an upside-down page, a
multi-page fax TIFF with a fax header line and a page turned sideways, a scanned PDF
without a text layer). Nothing binary is committed. Each sample carries the values a
person would file it under (``expected``), which the accuracy benchmark compares with.
"""

from __future__ import annotations

import io
import math
import random
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT_CANDIDATES = (
    Path("/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
)
PAGE_PX = (1654, 2339)  # A4 at 200 dpi


def font_path() -> Path:
    for candidate in FONT_CANDIDATES:
        if candidate.exists():
            return candidate
    raise FileNotFoundError("no Japanese font: install fonts-ipaexfont-gothic (make sysdeps)")


@dataclass(frozen=True)
class CareDocument:
    """One care document's content: what is printed, and what it should be filed as."""

    document_type: str
    customer: str
    office: str
    date_text: str  # as printed (和暦 or 西暦)
    date_iso: str  # what a person files it under
    date_label: str  # the printed marker before the date (作成日, 報告日, …)
    lines: tuple[str, ...]
    pages: int = 1
    care_manager: str | None = None

    @property
    def expected(self) -> dict[str, str]:
        return {"documentType": self.document_type, "customerName": self.customer,
                "officeName": self.office, "fileDate": self.date_iso}

    def page_lines(self, page: int) -> list[tuple[str, int]]:
        """(text, font size in px at 200 dpi) for page ``page`` (0-based)."""
        out: list[tuple[str, int]] = []
        if page == 0:
            out.append((self.document_type, 64))
            out.append(("", 20))
            out.append((f"利用者氏名　{self.customer}　様", 40))
            out.append((f"事業所名　{self.office}", 40))
            out.append((f"{self.date_label}　{self.date_text}", 40))
            if self.care_manager:
                out.append((f"担当ケアマネジャー　{self.care_manager}", 36))
            out.append(("", 20))
            out.extend((line, 34) for line in self.lines)
        else:
            out.append((f"{self.document_type}（続き）　{page + 1}／{self.pages}", 40))
            out.append((f"利用者氏名　{self.customer}　様", 36))
            out.append(("", 20))
            out.extend((line, 34) for line in self.lines[::-1])
        return out


DOCUMENTS: dict[str, CareDocument] = {
    "service_ticket": CareDocument(
        "サービス提供票", "佐藤 花子", "訪問介護ステーションさくら",
        "令和7年4月1日", "2025-04-01", "作成日",
        ("サービス内容　身体介護２　週３回（月・水・金）",
         "提供時間　10:00〜10:45",
         "単位数合計　3,420単位",
         "区分支給限度基準額　16,765単位",
         "備考　入浴介助時は二人対応とする。"), pages=2, care_manager="中村 由美"),
    "nursing_report": CareDocument(
        "訪問看護報告書", "山田 太郎", "あおば訪問看護ステーション",
        "2025年3月31日", "2025-03-31", "報告日",
        ("訪問日　3月3日、10日、17日、24日、31日",
         "病状の経過　血圧は安定しており、服薬管理も良好。",
         "看護の内容　バイタルサイン測定、褥瘡処置、服薬確認",
         "家族等への指導　体位変換の方法について説明した。",
         "主治医　青葉内科クリニック　佐々木 医師")),
    "care_plan": CareDocument(
        "居宅サービス計画書", "鈴木 一郎", "ケアプランセンターひまわり",
        "令和7年3月15日", "2025-03-15", "作成年月日",
        ("利用者及び家族の生活に対する意向",
         "自宅で妻と二人で安心して暮らし続けたい。",
         "総合的な援助の方針",
         "転倒を予防し、通所介護で入浴と機能訓練を継続する。",
         "要介護状態区分　要介護２"), care_manager="小林 健二"),
    "day_care_plan": CareDocument(
        "通所介護計画書", "高橋 美代子", "デイサービスみどり",
        "令和7年4月5日", "2025-04-05", "作成日",
        ("利用曜日　火曜日・土曜日",
         "長期目標　下肢筋力を維持し、自宅内を安全に移動できる。",
         "短期目標　歩行訓練を週２回行う。",
         "サービス内容　入浴、昼食、機能訓練、レクリエーション")),
    "fax_ticket": CareDocument(
        "サービス提供票", "田中 正雄", "デイサービスみどり",
        "令和7年4月2日", "2025-04-02", "作成日",
        ("サービス種類　通所介護",
         "利用予定　4月　火・木・土",
         "送迎　あり",
         "備考　４月１５日は通院のため休み"), pages=3),
    "scanned_report": CareDocument(
        "訪問看護報告書", "佐藤 花子", "あおば訪問看護ステーション",
        "令和7年4月10日", "2025-04-10", "報告日",
        ("訪問日　4月1日、4日、8日",
         "病状の経過　食欲が戻り、体重は横ばい。",
         "看護の内容　バイタルサイン測定、服薬確認")),
}


# -- rendering ---------------------------------------------------------------------


def render_pdf(doc: CareDocument) -> bytes:
    """A born-digital PDF (text layer present) with fpdf2."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.add_font("jp", "", str(font_path()))
    pdf.set_auto_page_break(False)
    for page in range(doc.pages):
        pdf.add_page()
        y = 20.0
        for text, size_px in doc.page_lines(page):
            points = size_px * 72 / 200
            pdf.set_font("jp", size=points)
            if text:
                pdf.set_xy(18, y)
                pdf.cell(0, points * 0.5, text, align="C" if size_px >= 60 else "L")
            y += points * 0.55 + 2
        pdf.rect(15, 15, 180, 267)
    return bytes(pdf.output())


def render_page(doc: CareDocument, page: int, header: str | None = None) -> Image.Image:
    """One clean page as a 200 dpi grayscale image."""
    image = Image.new("L", PAGE_PX, 255)
    draw = ImageDraw.Draw(image)
    path = str(font_path())
    y = 140
    if header:
        draw.text((60, 40), header, font=ImageFont.truetype(path, 28), fill=0)
    for text, size in doc.page_lines(page):
        font = ImageFont.truetype(path, size)
        if text:
            width = draw.textlength(text, font=font)
            x = (PAGE_PX[0] - width) / 2 if size >= 60 else 150
            draw.text((x, y), text, font=font, fill=0)
        y += int(size * 1.6)
    draw.rectangle((110, 110, PAGE_PX[0] - 110, PAGE_PX[1] - 110), outline=0, width=3)
    return image


def scanify(image: Image.Image, rng: random.Random, *, skew: float, noise: float,
            turn: int = 0) -> Image.Image:
    """Make a clean page look scanned: skew, speckles, blur; ``turn`` rotates it by
    90/180/270 degrees counter-clockwise (how it lay on the scanner)."""
    out = image.rotate(skew, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=255)
    if noise > 0:
        # Uniform noise from the seeded ``rng`` (samples are the same on every run),
        # thresholded so that a ``noise`` fraction of pixels turn black.
        cutoff = 256 * (1 - noise)
        speckles = Image.frombytes("L", out.size, rng.randbytes(out.width * out.height))
        out.paste(0, mask=speckles.point(lambda v: 255 if v >= cutoff else 0))
    out = out.filter(ImageFilter.GaussianBlur(0.5))
    if turn:
        out = out.rotate(turn, expand=True, fillcolor=255)
    return out


def fax_header(doc: CareDocument, page: int) -> str:
    return (f"2025/04/02 10:{15 + page:02d}  FROM: {doc.office}  FAX 03-1234-5678"
            f"   P.{page + 1}/{doc.pages}")


def to_jpeg(image: Image.Image, quality: int = 70) -> bytes:
    buf = io.BytesIO()
    image.convert("L").save(buf, "JPEG", quality=quality, dpi=(200, 200))
    return buf.getvalue()


def to_png(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "PNG", dpi=(200, 200))
    return buf.getvalue()


def fax_tiff(doc: CareDocument, rng: random.Random, turned_page: int = 1) -> bytes:
    """A multi-page 1-bit G4 TIFF as fax servers store them; one page arrived sideways."""
    frames = []
    for page in range(doc.pages):
        clean = render_page(doc, page, header=fax_header(doc, page))
        turn = 90 if page == turned_page else 0
        scanned = scanify(clean, rng, skew=rng.uniform(-0.8, 0.8), noise=0.002, turn=turn)
        frames.append(scanned.point(lambda v: 255 if v > 150 else 0).convert("1"))
    buf = io.BytesIO()
    frames[0].save(buf, "TIFF", save_all=True, append_images=frames[1:],
                   compression="group4", dpi=(200, 200))
    return buf.getvalue()


def image_pdf(pages: list[Image.Image]) -> bytes:
    """A scanned PDF: pages as images, no text layer (what a copier sends)."""
    buf = io.BytesIO()
    rgb = [p.convert("RGB") for p in pages]
    rgb[0].save(buf, "PDF", save_all=True, append_images=rgb[1:], resolution=200.0)
    return buf.getvalue()


def wav_bytes(seconds: float = 0.5, rate: int = 8000) -> bytes:
    """A short silent-ish WAV (a counseling recorder's upload)."""
    frames = b"".join(struct.pack("<h", int(800 * math.sin(i / 8))) for i in range(
        int(seconds * rate)))
    header = b"RIFF" + struct.pack("<I", 36 + len(frames)) + b"WAVEfmt " + struct.pack(
        "<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16) + b"data" + struct.pack("<I", len(frames))
    return header + frames


# -- the sample set ----------------------------------------------------------------


@dataclass(frozen=True)
class SampleFile:
    path: Path
    object_name: str
    content_type: str
    expected: dict[str, str] | None = None  # None: not a care document (audio, junk)
    scan_like: bool = False
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def sample_bytes(seed: int = 20250401) -> list[tuple[str, str, bytes, CareDocument | None,
                                                    bool, str]]:
    """(object name, declared content type, bytes, document, scan-like, note) per sample."""
    rng = random.Random(seed)
    docs = DOCUMENTS
    ticket_pdf = render_pdf(docs["service_ticket"])
    care_plan = scanify(render_page(docs["care_plan"], 0), rng, skew=1.3, noise=0.004)
    day_care = scanify(render_page(docs["day_care_plan"], 0), rng, skew=-0.7, noise=0.003,
                       turn=180)
    scanned = [scanify(render_page(docs["scanned_report"], 0), rng, skew=0.5, noise=0.003)]
    return [
        ("uploads/サービス提供票_佐藤花子.pdf", "application/pdf", ticket_pdf,
         docs["service_ticket"], False, "born-digital PDF, 2 pages"),
        ("uploads/訪問看護報告書_山田太郎.pdf", "application/pdf",
         render_pdf(docs["nursing_report"]), docs["nursing_report"], False,
         "born-digital PDF"),
        ("uploads/scan_0001.jpg", "image/jpeg", to_jpeg(care_plan), docs["care_plan"], True,
         "scan-like JPEG, skewed, noisy"),
        ("uploads/scan_0002.png", "image/png", to_png(day_care), docs["day_care_plan"], True,
         "scan-like PNG, upside down"),
        ("gmail/fax_20250402_1015.tif", "image/tiff", fax_tiff(docs["fax_ticket"], rng),
         docs["fax_ticket"], True, "3-page fax TIFF with header line, page 2 sideways"),
        ("uploads/copier_scan.pdf", "application/pdf", image_pdf(scanned),
         docs["scanned_report"], True, "scanned PDF without text layer"),
        ("gmail/再送_サービス提供票_佐藤花子.pdf", "application/pdf", ticket_pdf,
         docs["service_ticket"], False, "same bytes again, by mail: linked, not reprocessed"),
        ("uploads/counseling_2025-04-03.wav", "audio/wav", wav_bytes(), None, False,
         "audio: left to the counseling side"),
        ("uploads/請求書.pdf", "application/pdf", b"PK\x03\x04 not a pdf, a zip archive",
         None, False, "extension lies; not a supported type"),
    ]


def build_samples(directory: Path, seed: int = 20250401) -> list[SampleFile]:
    """Write the sample set under ``directory`` and describe each file."""
    directory.mkdir(parents=True, exist_ok=True)
    out: list[SampleFile] = []
    for number, (name, content_type, data, doc, scan_like, note) in enumerate(
            sample_bytes(seed), start=1):
        suffix = Path(name).suffix
        path = directory / f"sample_{number:02d}{suffix}"
        path.write_bytes(data)
        out.append(SampleFile(path, name, content_type,
                              doc.expected if doc is not None else None, scan_like, note))
    return out
