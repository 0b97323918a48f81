"""What a stored file really is, judged by its first bytes (never by name or header).

Faxes forwarded by mail arrive as ``.pdf`` that are TIFFs, scanners name JPEGs ``.png``,
and anyone can upload ``請求書.pdf.exe``. The declared content type and the extension are
kept for the record, but the pipeline acts only on the magic bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["pdf", "image", "audio", "unknown", "empty"]


@dataclass(frozen=True)
class FileType:
    """The detected kind of a file and the MIME type the pipeline records for it."""

    kind: Kind
    mime_type: str
    label: str  # short human label for errors and logs ("PDF", "JPEG", "不明な形式")


_HEIC_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
_AUDIO_FTYP_BRANDS = {b"M4A ", b"M4B ", b"mp42", b"isom", b"3gp4", b"3gp5", b"dash"}


def sniff(head: bytes) -> FileType:
    """Classify a file from its first bytes (64 are plenty; fewer are handled)."""
    if not head:
        return FileType("empty", "application/octet-stream", "空のファイル")
    # PDF: the header may be preceded by junk within the first 1 KiB (the spec allows it).
    if b"%PDF-" in head[:1024]:
        return FileType("pdf", "application/pdf", "PDF")
    if head.startswith(b"\xff\xd8\xff"):
        return FileType("image", "image/jpeg", "JPEG")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return FileType("image", "image/png", "PNG")
    if head.startswith((b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")):
        return FileType("image", "image/tiff", "TIFF")
    if head.startswith((b"GIF87a", b"GIF89a")):
        return FileType("image", "image/gif", "GIF")
    if len(head) >= 12 and head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _HEIC_BRANDS:
            return FileType("image", "image/heic", "HEIC")
        if brand in _AUDIO_FTYP_BRANDS:
            # M4A / MP4 audio from recorders and phones; video is not expected here.
            return FileType("audio", "audio/mp4", "M4A")
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return FileType("audio", "audio/wav", "WAV")
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0
                                   and head[1] & 0x06 != 0):
        return FileType("audio", "audio/mpeg", "MP3")
    if head.startswith(b"fLaC"):
        return FileType("audio", "audio/flac", "FLAC")
    if head.startswith(b"OggS"):
        return FileType("audio", "audio/ogg", "Ogg")
    if head.startswith(b"\x1aE\xdf\xa3"):
        return FileType("audio", "audio/webm", "WebM")
    return FileType("unknown", "application/octet-stream", "不明な形式")
