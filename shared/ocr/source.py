"""Open a stored file as pages: PDFs through PDFium, images through Pillow.

PDFium (``pypdfium2``) both renders pages and extracts their text layer, so one maintained
library covers born-digital and scanned PDFs, and it runs where Cloud Functions run (the
wheel carries the binary; no poppler needed). PDFium is not thread-safe, and
functions-framework may run two requests in one process, so every call into it holds one
process-wide lock.
"""

from __future__ import annotations

import io
import re
import threading
import warnings
from dataclasses import dataclass, field

import pypdfium2 as pdfium
from PIL import Image, ImageFile, ImageOps

from shared.ocr.types import UnreadableFileError

PDFIUM_LOCK = threading.RLock()
_EMPTY_PAGE_TREE = re.compile(
    rb"/Type\s*/Pages\b[^>]*/Count\s+0\b|/Count\s+0\b[^>]*/Type\s*/Pages\b")


def _load_failure_reason(data: bytes, exc: Exception) -> str:
    """Why PDFium would not open ``data``, in words for the ``errors`` entry.

    PDFium's own error code is process-global state that a failed load does not always
    reset (an empty page tree reports the previous document's error), so the reason is
    read from the file itself: an ``/Encrypt`` dictionary, or a page tree with
    ``/Count 0``; anything else is damage.
    """
    if b"/Encrypt" in data:
        return "暗号化（パスワード保護）されたPDFのため読めません"
    if _EMPTY_PAGE_TREE.search(data):
        return "ページが0枚のPDFです"
    return f"PDFを開けません（破損または途中で切れたファイル）: {exc}"

_heif_registered = False


def _register_heif() -> None:
    global _heif_registered
    if not _heif_registered:
        import pillow_heif

        pillow_heif.register_heif_opener()
        _heif_registered = True


def _fit(image: Image.Image, max_megapixels: float) -> Image.Image:
    pixels = image.width * image.height
    limit = max_megapixels * 1_000_000
    if pixels <= limit:
        return image
    scale = (limit / pixels) ** 0.5
    size = (max(1, int(image.width * scale)), max(1, int(image.height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS)


@dataclass
class PdfPages:
    """A PDF opened with PDFium."""

    data: bytes
    _doc: pdfium.PdfDocument = field(init=False, repr=False)
    mime_type: str = "application/pdf"

    def __post_init__(self) -> None:
        with PDFIUM_LOCK:
            try:
                self._doc = pdfium.PdfDocument(self.data)
            except pdfium.PdfiumError as exc:
                raise UnreadableFileError(_load_failure_reason(self.data, exc)) from exc
            count = len(self._doc)
        if count == 0:
            raise UnreadableFileError("ページが0枚のPDFです")

    @property
    def page_count(self) -> int:
        with PDFIUM_LOCK:
            return len(self._doc)

    def text_layer(self, index: int) -> str | None:
        with PDFIUM_LOCK:
            page = self._doc[index]
            textpage = page.get_textpage()
            try:
                text: str = textpage.get_text_bounded()
            finally:
                textpage.close()
                page.close()
        return text.replace("\r\n", "\n").replace("\r", "\n")

    def render(self, index: int, dpi: int, max_megapixels: float) -> Image.Image:
        with PDFIUM_LOCK:
            page = self._doc[index]
            try:
                width, height = page.get_size()
                scale = dpi / 72
                pixels = width * scale * height * scale
                limit = max_megapixels * 1_000_000
                if pixels > limit:
                    scale *= (limit / pixels) ** 0.5
                bitmap = page.render(scale=scale, grayscale=True)
                image = bitmap.to_pil()
            finally:
                page.close()
        return image.convert("L")

    def close(self) -> None:
        with PDFIUM_LOCK:
            self._doc.close()


@dataclass
class ImagePages:
    """A still image; TIFF and GIF may hold several frames, each one page."""

    data: bytes
    mime_type: str
    max_image_megapixels: float
    _frames: int = field(init=False, default=1)

    def __post_init__(self) -> None:
        if self.mime_type == "image/heic":
            _register_heif()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                image = Image.open(io.BytesIO(self.data))
                megapixels = image.width * image.height / 1_000_000
                if megapixels > self.max_image_megapixels:
                    raise UnreadableFileError(
                        f"画像が大きすぎます（{megapixels:.0f}メガピクセル、上限"
                        f"{self.max_image_megapixels:.0f}）")
                self._frames = max(1, int(getattr(image, "n_frames", 1)))
                if self._frames == 1:
                    image.verify()
        except UnreadableFileError:
            raise
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombError,
                Image.DecompressionBombWarning) as exc:
            raise UnreadableFileError(f"画像を読めません: {exc}") from exc

    @property
    def page_count(self) -> int:
        return self._frames

    def text_layer(self, index: int) -> str | None:
        return None

    def render(self, index: int, dpi: int, max_megapixels: float) -> Image.Image:
        Image.MAX_IMAGE_PIXELS = int(self.max_image_megapixels * 1_000_000)
        try:
            image: Image.Image = Image.open(io.BytesIO(self.data))
            if self._frames > 1:
                image.seek(index)
            if isinstance(image, ImageFile.ImageFile) and image.format == "JPEG":
                # Let libjpeg decode at a reduced scale instead of decoding 50 MP first.
                limit = max_megapixels * 1_000_000
                pixels = image.width * image.height
                if pixels > limit:
                    ratio = (limit / pixels) ** 0.5
                    image.draft("L", (int(image.width * ratio), int(image.height * ratio)))
            image = ImageOps.exif_transpose(image) or image
            image = image.convert("L")
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise UnreadableFileError(f"画像の{index + 1}ページ目を読めません: {exc}") from exc
        return _fit(image, max_megapixels)

    def close(self) -> None:
        return None


def open_pages(data: bytes, mime_type: str, max_image_megapixels: float) -> PdfPages | ImagePages:
    """Open ``data`` (already sniffed as ``mime_type``) as pages."""
    if mime_type == "application/pdf":
        return PdfPages(data)
    if mime_type.startswith("image/"):
        return ImagePages(data, mime_type, max_image_megapixels)
    raise UnreadableFileError(f"OCRできない形式です: {mime_type}")
