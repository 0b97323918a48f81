"""The contract every OCR engine keeps: pages in, one result per page out.

An engine never raises for one bad page: a page that fails is a ``PageResult`` with
``status="failed"`` and an error message, so partial success stays visible (the seed's
``OCR部分失敗``). An engine raises only when it cannot work at all, and then with one of
the classified errors below, so the lifecycle knows whether to retry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

from PIL import Image

PageStatus = Literal["ok", "failed", "skipped"]
EngineName = Literal["textLayer", "tesseract", "vision"]


@dataclass(frozen=True)
class PageResult:
    """What one engine read on one page (``page_number`` counts from 1)."""

    page_number: int
    text: str
    confidence: float | None  # 0..1; None when the engine gives none (text layer)
    engine: EngineName
    status: PageStatus = "ok"
    rotation: int = 0  # degrees clockwise the page had to be turned to read upright
    error: str | None = None
    vertical: bool = False


class SourcePages(Protocol):
    """A loaded file, page by page: the only thing engines see of it."""

    @property
    def page_count(self) -> int: ...

    @property
    def mime_type(self) -> str: ...

    @property
    def data(self) -> bytes: ...

    def text_layer(self, index: int) -> str | None:
        """The embedded text of page ``index`` (0-based); None for images."""
        ...

    def render(self, index: int, dpi: int, max_megapixels: float) -> Image.Image:
        """Page ``index`` as an image no larger than ``max_megapixels``."""
        ...


@dataclass(frozen=True)
class OcrRequest:
    """Which pages to read, and where the file lives (cloud engines read it from there)."""

    pages: SourcePages
    page_indexes: tuple[int, ...]
    gcs_uri: str | None = None
    document_id: str = ""
    attempt_token: str = ""


class OcrEngine(Protocol):
    """Reads the requested pages; returns exactly one result per requested page."""

    name: EngineName

    def read(self, request: OcrRequest) -> list[PageResult]: ...


# -- classified failures -------------------------------------------------------------


class OcrError(Exception):
    """Base of the failures an engine may raise for the whole request."""


class TransientOcrError(OcrError):
    """Try again soon (network blip, 5xx, deadline)."""


class QuotaOcrError(OcrError):
    """The provider's quota is spent: try again in hours, not seconds."""


class PermanentOcrError(OcrError):
    """Retrying will not help (unreadable file, refused request)."""


class UnreadableFileError(PermanentOcrError):
    """The file cannot be opened: truncated, encrypted, zero pages, too large."""


@dataclass
class PageOutcomeCounts:
    """Counts for ``errors`` entries and the list document's summary."""

    total: int = 0
    ok: int = 0
    failed: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
