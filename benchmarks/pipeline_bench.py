"""Benchmark of the document pipeline (figures for the closing note, not timed tests).

    .venv/bin/python -m benchmarks.pipeline_bench [--text-pages 300]

Prints, on this machine:
- pages per minute for one instance (one process, pages read one after another) with the
  PDF text layer (a born-digital PDF of ``--text-pages`` pages) and with Tesseract (every
  page of the scan-like samples), and the peak memory of the process and of Tesseract;
- Firestore reads and writes per processed document, counted at the client (every
  document read, query result, and write in a batch or transaction), for the whole
  path: finalize event → intake → written event → process_document (ledger included);
- end-to-end extraction accuracy on the scan-like samples with the local engine: the
  fraction whose type, customer, office and date are all right, against the demo masters.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from shared.localcloud.samples import DOCUMENTS, font_path, sample_bytes
from shared.ocr.chain import read_pages
from shared.ocr.source import open_pages
from shared.ocr.tesseract import TesseractEngine
from shared.pipeline.filetype import sniff

COUNTS: Counter[str] = Counter()


def _peak_mib(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def long_text_pdf(pages: int) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_font("jp", "", str(font_path()))
    pdf.set_font("jp", size=10)
    pdf.set_auto_page_break(False)
    for page in range(pages):
        pdf.add_page()
        for row in range(40):
            pdf.set_xy(10, 10 + row * 6.5)
            pdf.cell(0, 5, f"{page + 1}-{row + 1} サービス提供票 利用者氏名 佐藤 花子 様 "
                           "単位数合計 3,420単位 区分支給限度基準額")
    return bytes(pdf.output())


def bench_text_layer(pages: int) -> None:
    data = long_text_pdf(pages)
    began = time.perf_counter()
    source = open_pages(data, "application/pdf", 200)
    outcome = read_pages(source, TesseractEngine(), max_pages=2000, max_ocr_pages=0)
    elapsed = time.perf_counter() - began
    assert all(p.engine == "textLayer" and p.status == "ok" for p in outcome.pages)
    print(f"text layer: {pages} pages in {elapsed:.2f} s = {pages / elapsed * 60:,.0f} "
          f"pages/min; peak RSS {_peak_mib(resource.RUSAGE_SELF):.0f} MiB")


def bench_tesseract() -> None:
    engine = TesseractEngine()
    pages = 0
    began = time.perf_counter()
    for _, _, data, _, scan_like, _ in sample_bytes():
        if not scan_like:
            continue
        detected = sniff(data[:1024])
        outcome = read_pages(open_pages(data, detected.mime_type, 200), engine,
                             max_pages=100, max_ocr_pages=100)
        pages += sum(1 for p in outcome.pages if p.engine == "tesseract")
    elapsed = time.perf_counter() - began
    print(f"tesseract (jpn, OSD, 200 dpi): {pages} scan-like pages in {elapsed:.1f} s = "
          f"{pages / elapsed * 60:.1f} pages/min; peak RSS {_peak_mib(resource.RUSAGE_SELF):.0f}"
          f" MiB (process), {_peak_mib(resource.RUSAGE_CHILDREN):.0f} MiB (largest tesseract)")


# -- Firestore operation counting ---------------------------------------------------


@contextmanager
def counting_firestore() -> Iterator[Counter[str]]:
    """Count reads and writes at the client: DocumentReference.get (also inside
    transactions), documents yielded by queries, and every write added to a batch or a
    transaction (DocumentReference.create/set/update go through a batch)."""
    from google.cloud.firestore_v1 import base_batch, document, query

    patches: list[tuple[Any, str, Callable[..., Any]]] = []

    def wrap(owner: Any, name: str, kind: str, per_item: bool = False) -> None:
        original = getattr(owner, name)

        def counted(*args: Any, **kwargs: Any) -> Any:
            result = original(*args, **kwargs)
            if per_item:
                def gen() -> Iterator[Any]:
                    for item in result:
                        COUNTS[kind] += 1
                        yield item
                return gen()
            COUNTS[kind] += 1
            return result

        patches.append((owner, name, original))
        setattr(owner, name, counted)

    wrap(document.DocumentReference, "get", "reads")
    wrap(query.Query, "stream", "reads", per_item=True)
    for name in ("create", "set", "update", "delete"):
        wrap(base_batch.BaseWriteBatch, name, "writes")
    try:
        yield COUNTS
    finally:
        for owner, name, original in patches:
            setattr(owner, name, original)


def bench_end_to_end() -> None:
    import functions_framework
    import google.cloud.storage as storage
    from google.cloud import firestore

    from shared.clients import get_db
    from shared.config import get_settings
    from shared.events.storage import StorageObject
    from shared.localcloud import cloudevents_http
    from shared.localcloud.cloud import LocalCloud
    from shared.localcloud.demo_masters import seed_demo_masters
    from shared.pipeline.intake import document_id_for

    repo = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory() as tmp:
        cloud = LocalCloud(log_dir=Path(tmp))
        cloud.start_emulators()
        try:
            get_settings.cache_clear()
            get_db.cache_clear()
            db = firestore.Client(project=cloud.project)
            seed_demo_masters(db)
            bucket = storage.Client(project=cloud.project).bucket(cloud.bucket)
            intake = functions_framework.create_app(
                "on_object_finalized", str(repo / "functions/intake/main.py")).test_client()
            process = functions_framework.create_app(
                "on_document_written",
                str(repo / "functions/process_document/main.py")).test_client()
            per_doc: list[tuple[str, int, int]] = []
            scans = right = 0
            for name, content_type, data, doc, scan_like, _ in sample_bytes():
                if doc is None or name.startswith("gmail/再送"):
                    continue
                blob = bucket.blob(name)
                blob.upload_from_string(data, content_type=content_type)
                blob.reload()
                res = {**blob._properties, "bucket": cloud.bucket}
                doc_id = document_id_for(StorageObject.model_validate(res))
                with counting_firestore() as counts:
                    counts.clear()
                    event = cloudevents_http.storage_finalized(res)
                    intake.post("/", data=event.body, headers=event.headers)
                    ref = db.collection("documents").document(doc_id)
                    for _ in range(3):
                        snap = ref.get()
                        state = snap.to_dict() or {}
                        if state.get("status") != "pending":
                            break
                        written = cloudevents_http.firestore_written(
                            cloud.project, f"documents/{doc_id}", None, state,
                            after_times=(snap.create_time, snap.update_time))
                        process.post("/", data=written.body, headers=written.headers)
                    # What the processed write costs when its own event comes back.
                    snap = ref.get()
                    written = cloudevents_http.firestore_written(
                        cloud.project, f"documents/{doc_id}", None, snap.to_dict(),
                        after_times=(snap.create_time, snap.update_time))
                    process.post("/", data=written.body, headers=written.headers)
                    # the driver's own 1 + (pending polls) reads are not the pipeline's
                    polls = 3
                    reads, writes = counts["reads"] - polls, counts["writes"]
                per_doc.append((name, reads, writes))
                final = snap.to_dict() or {}
                got = {"documentType": final.get("documentType"),
                       "customerName": final.get("customerName"),
                       "officeName": final.get("officeName"),
                       "fileDate": _day(final.get("fileDate"))}
                if scan_like:
                    scans += 1
                    right += got == doc.expected
                    if got != doc.expected:
                        print(f"  miss: {name}: {got} (expected {doc.expected})")
            for name, reads, writes in per_doc:
                print(f"  {name}: ~{reads} reads, {writes} writes")
            avg_r = sum(r for _, r, _ in per_doc) / len(per_doc)
            avg_w = sum(w for _, _, w in per_doc) / len(per_doc)
            print(f"Firestore per processed document (intake + processing + ledgers): "
                  f"~{avg_r:.1f} reads, {avg_w:.1f} writes (first document also loads "
                  f"the {sum(len(v) for v in DEMO_COUNTS().values())} master items)")
            print(f"end-to-end accuracy on scan-like samples (local engine): {right}/{scans} "
                  f"= {right / scans:.0%} with type, customer, office and date all right")
        finally:
            cloud.stop()


def DEMO_COUNTS() -> dict[str, list[dict[str, Any]]]:
    from shared.localcloud.demo_masters import DEMO_MASTERS

    return DEMO_MASTERS


def _day(value: Any) -> str | None:
    if isinstance(value, datetime):
        return value.astimezone(ZoneInfo("Asia/Tokyo")).date().isoformat()
    return None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--text-pages", type=int, default=300)
    parser.add_argument("--skip-emulators", action="store_true")
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}; samples: {len(DOCUMENTS)} care documents")
    bench_text_layer(args.text_pages)
    bench_tesseract()
    if not args.skip_emulators:
        bench_end_to_end()


if __name__ == "__main__":
    main()
