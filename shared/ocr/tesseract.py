"""Local OCR with Tesseract's Japanese models (``jpn``, ``jpn_vert``, ``osd``).

Per page: render (PDFium or Pillow), detect orientation with Tesseract's OSD and turn the
page upright, read it with ``jpn``; if that reads poorly, read it again as vertical text
(``jpn_vert``) and keep the better reading. The binary is called directly (one
subprocess per pass, text and word confidences from one run), with a per-page timeout, so
a pathological page fails alone instead of taking the invocation with it.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from shared.ocr.types import (
    EngineName,
    OcrRequest,
    PageResult,
    PermanentOcrError,
    UnreadableFileError,
)

OSD_MIN_CONFIDENCE = 1.5
VERTICAL_RETRY_BELOW = 0.6
_ROTATE_RE = re.compile(r"Rotate:\s*(\d+)")
_CONF_RE = re.compile(r"Orientation confidence:\s*([\d.]+)")


@dataclass(frozen=True)
class Orientation:
    rotate_clockwise: int
    confidence: float


@dataclass(frozen=True)
class Reading:
    text: str
    confidence: float
    vertical: bool


def parse_osd(output: str) -> Orientation | None:
    """``Rotate: N`` is how many degrees clockwise the image must turn to be upright."""
    rotate = _ROTATE_RE.search(output)
    conf = _CONF_RE.search(output)
    if rotate is None or conf is None:
        return None
    return Orientation(int(rotate.group(1)) % 360, float(conf.group(1)))


def parse_tsv_confidence(tsv: str) -> float:
    """Mean word confidence (0..1) of a Tesseract TSV, weighted by word length."""
    total = 0.0
    weight = 0
    for line in tsv.splitlines()[1:]:
        cols = line.split("\t")
        if len(cols) < 12 or cols[0] != "5":
            continue
        try:
            conf = float(cols[10])
        except ValueError:
            continue
        word = cols[11].strip()
        if conf < 0 or not word:
            continue
        total += conf * len(word)
        weight += len(word)
    return round(total / weight / 100, 4) if weight else 0.0


def _png(image: Image.Image, dpi: int) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "PNG", dpi=(dpi, dpi))
    return buf.getvalue()


class TesseractEngine:
    """The local OCR engine (``OCR_ENGINE=local``)."""

    name: EngineName = "tesseract"

    def __init__(self, dpi: int = 200, max_megapixels: float = 12.0,
                 page_timeout_seconds: float = 120.0, binary: str = "tesseract") -> None:
        self.dpi = dpi
        self.max_megapixels = max_megapixels
        self.page_timeout = page_timeout_seconds
        self.binary = binary

    def _run(self, args: list[str], png: bytes) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run([self.binary, *args], input=png, capture_output=True,
                              timeout=self.page_timeout, check=False)

    def orientation(self, image: Image.Image) -> Orientation | None:
        """Tesseract OSD; ``None`` when the page has too little text to tell."""
        done = self._run(["stdin", "stdout", "--psm", "0", "--dpi", str(self.dpi)],
                         _png(image, self.dpi))
        return parse_osd(done.stdout.decode("utf-8", "replace"))

    def recognise(self, image: Image.Image, vertical: bool = False) -> Reading:
        lang, psm = ("jpn_vert", "5") if vertical else ("jpn", "3")
        with tempfile.TemporaryDirectory(prefix="ocr-") as tmp:
            base = Path(tmp) / "page"
            done = self._run(["stdin", str(base), "-l", lang, "--psm", psm,
                              "--dpi", str(self.dpi), "txt", "tsv"], _png(image, self.dpi))
            if done.returncode != 0:
                raise RuntimeError(done.stderr.decode("utf-8", "replace")[-500:])
            text = (base.with_suffix(".txt")).read_text("utf-8", "replace")
            tsv = (base.with_suffix(".tsv")).read_text("utf-8", "replace")
        return Reading(tidy_japanese(text), parse_tsv_confidence(tsv), vertical)

    def read_image(self, page_number: int, image: Image.Image) -> PageResult:
        rotation = 0
        found = self.orientation(image)
        if found is not None and found.confidence >= OSD_MIN_CONFIDENCE and found.rotate_clockwise:
            rotation = found.rotate_clockwise
            image = image.rotate(-rotation, expand=True)  # PIL turns counter-clockwise
        best = self.recognise(image)
        if best.confidence < VERTICAL_RETRY_BELOW:
            vertical = self.recognise(image, vertical=True)
            if vertical.confidence > best.confidence + 0.05 and len(vertical.text) >= len(
                    best.text) // 2:
                best = vertical
        return PageResult(page_number, best.text, best.confidence, "tesseract",
                          rotation=rotation, vertical=best.vertical)

    def read(self, request: OcrRequest) -> list[PageResult]:
        if shutil.which(self.binary) is None:
            raise PermanentOcrError(f"{self.binary} is not installed")
        results: list[PageResult] = []
        for index in request.page_indexes:
            try:
                image = request.pages.render(index, self.dpi, self.max_megapixels)
                results.append(self.read_image(index + 1, image))
            except (UnreadableFileError, RuntimeError, OSError,
                    subprocess.TimeoutExpired) as exc:
                results.append(PageResult(index + 1, "", None, "tesseract", status="failed",
                                          error=f"{type(exc).__name__}: {exc}"[:500]))
        return results


_CJK = r"[\u3040-\u30ff\u3400-\u9fff\uff01-\uff60、。・ー]"
_SPACE_BETWEEN_CJK = re.compile(rf"(?<={_CJK})[ \t]+(?={_CJK})")


def tidy_japanese(text: str) -> str:
    """Drop the spaces Tesseract puts between Japanese characters and blank-line runs.

    ``佐 藤 花 子`` reads as ``佐藤花子``; spaces next to Latin letters or digits are kept.
    """
    lines = [_SPACE_BETWEEN_CJK.sub("", line).rstrip() for line in text.splitlines()]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()
