"""Sample files for ``make demo``, generated on the fly (nothing binary is committed)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class SampleFile:
    path: Path
    object_name: str
    content_type: str


def _minimal_pdf(text: str) -> bytes:
    """A valid one-page PDF with an ASCII comment (placeholder until rich samples exist)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ]
    out = bytearray(b"%PDF-1.4\n% " + text.encode("utf-8") + b"\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    trailer = f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    out += trailer.encode()
    return bytes(out)


def build_samples(directory: Path) -> list[SampleFile]:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "訪問看護報告書_sample.pdf"
    path.write_bytes(_minimal_pdf("訪問看護報告書"))
    return [SampleFile(path, "uploads/訪問看護報告書_sample.pdf", "application/pdf")]
