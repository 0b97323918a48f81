"""Processing one document: claim → read → OCR → resolve → commit, or requeue, or fail.

The steps, in order, each a small function elsewhere:

1. ``lifecycle.claim`` — only a due document (pending and not waiting for ``retryAt``,
   or a processed/errored one with ``reprocessRequested``) is taken, with an owner token.
2. Download exactly the stored generation; open it as pages (``shared.ocr.source``).
3. ``shared.ocr.chain.read_pages`` — text layer first, then the configured engine.
4. Resolution through ``shared.pipeline.resolve`` (the engine's one entry point).
5. ``lifecycle.commit`` — only while still the owner, never over a person's decision
   (``shared.pipeline.protected``); long text to Storage first, one object per attempt
   (named by the claim token). An attempt whose commit is refused or fails deletes its
   own object; a crash between upload and commit leaves one nobody references, which the
   next terminal write of the document sweeps (``sweep_text_objects``).

Failures are classified (``shared.pipeline.failures``): transient ones are retried here
with backoff and jitter and then requeued; quota ones requeued hours away; permanent ones
end in ``status: error`` with an ``errors`` entry, written in the same transaction.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import google.cloud.storage as storage
from google.cloud import firestore

from shared import structured_log
from shared.errors import ErrorEntry, error_entry
from shared.ocr.chain import OcrOutcome, read_pages
from shared.ocr.source import open_pages
from shared.ocr.types import OcrEngine
from shared.pipeline import lifecycle
from shared.pipeline.failures import (
    Disposition,
    backoff_seconds,
    classify,
    error_type_for,
    retry_transient,
)
from shared.pipeline.protected import without_protected
from shared.pipeline.resolve import Resolver
from shared.pipeline.results import ocr_fields, resolution_text, storage_text
from shared.pipeline.settings import PipelineSettings
from shared.pipeline.storage_io import (
    delete_quietly,
    download_generation,
    list_names,
    object_name,
    ocr_text_object,
    ocr_text_prefix,
    upload_text,
)

logger = structured_log.get_logger("shared.pipeline.process")


@dataclass
class ProcessingDeps:
    """Everything processing touches outside pure logic (swapped in tests)."""

    db: firestore.Client
    storage_client: storage.Client
    engine: OcrEngine
    resolver: Resolver
    pipeline: PipelineSettings
    max_ocr_pages: int
    bucket: str
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)
    # Test seam: runs after OCR and before the commit (e.g. to simulate a rescue).
    before_commit: Callable[[lifecycle.Claim], None] | None = None


@dataclass(frozen=True)
class ProcessResult:
    """What one invocation did: ``skipped`` (not due), ``processed``, ``error``,
    ``requeued``, or ``stale`` (lost ownership, wrote nothing)."""

    outcome: str
    document_id: str
    detail: dict[str, Any] = field(default_factory=dict)


def _retry(deps: ProcessingDeps, call: Callable[[], Any]) -> Any:
    p = deps.pipeline
    return retry_transient(call, retries=p.transient_retries,
                           base=p.transient_backoff_base_seconds,
                           cap=p.transient_backoff_cap_seconds, sleep=deps.sleep, rng=deps.rng)


def process_document(deps: ProcessingDeps, doc_id: str) -> ProcessResult:
    """Run one processing attempt of ``documents/{doc_id}`` (safe to call any time)."""
    owned = lifecycle.claim(deps.db, doc_id, deps.clock())
    if owned is None:
        return ProcessResult("skipped", doc_id)
    with structured_log.bind(documentId=doc_id, attempt=owned.token):
        try:
            return _run(deps, owned)
        except Exception as exc:
            return _handle_failure(deps, owned, exc)


def _run(deps: ProcessingDeps, owned: lifecycle.Claim) -> ProcessResult:
    doc = owned.snapshot
    p = deps.pipeline
    bucket, _, name = str(doc.get("storagePath") or "").partition("/")
    bucket = bucket or deps.bucket
    name = name or str(doc["fileId"])
    data = _retry(deps, lambda: download_generation(
        deps.storage_client, bucket, name, str(doc["generation"]), p.max_file_bytes))
    pages = open_pages(data, str(doc.get("mimeType")), p.max_image_megapixels)
    try:
        outcome: OcrOutcome = _retry(deps, lambda: read_pages(
            pages, deps.engine, max_pages=p.max_pages, max_ocr_pages=deps.max_ocr_pages,
            gcs_uri=f"gs://{bucket}/{name}", document_id=owned.doc_id,
            attempt_token=owned.token))
    finally:
        pages.close()

    fields = ocr_fields(outcome, inline_text_cap_chars=p.inline_text_cap_chars,
                        page_text_cap_chars=p.page_text_cap_chars,
                        detail_text_budget_bytes=p.detail_text_budget_bytes)
    now = deps.clock()
    update: dict[str, Any] = {**fields.list_fields, "processedAt": now, "updatedAt": now}
    if doc.get("duplicateOf"):
        update["duplicateOf"] = firestore.DELETE_FIELD  # reprocessing a linked copy on request
    if not outcome.ok_pages:
        return _ocr_failed_completely(deps, owned, outcome, update, fields.detail_fields)

    update.update(deps.resolver(resolution_text(outcome), str(doc.get("fileName"))))
    update["status"] = "processed"
    update["ocrResultUrl"] = firestore.DELETE_FIELD

    if deps.before_commit is not None:
        deps.before_commit(owned)
    uploaded: str | None = None
    if fields.needs_storage:
        if not lifecycle.still_owner(deps.db, owned):
            return ProcessResult("stale", owned.doc_id)
        uploaded = ocr_text_object(p.pipeline_prefix, owned.doc_id, owned.token)
        update["ocrResultUrl"] = upload_text(deps.storage_client, deps.bucket, uploaded,
                                             storage_text(outcome))
    partial = _partial_error(deps, owned, outcome) if outcome.failed_pages else None
    # A commit that raises reaches _handle_failure, which deletes this attempt's object
    # once a requeue or failure proves the commit did not land.
    if not lifecycle.commit(deps.db, owned, update, fields.detail_fields, without_protected,
                            error=partial):
        if uploaded:
            delete_quietly(deps.storage_client, deps.bucket, uploaded)
        structured_log.log(logger, logging.WARNING, "stale attempt: nothing written")
        return ProcessResult("stale", owned.doc_id)
    _previous_text_cleanup(deps, doc, uploaded)
    _sweep_if_retried(deps, owned)
    structured_log.log(logger, logging.INFO, "document processed",
                       pages=outcome.total_pages, engines=outcome.engines,
                       failedPages=len(outcome.failed_pages))
    return ProcessResult("processed", owned.doc_id,
                         {"pages": outcome.total_pages, "engines": outcome.engines})


def _previous_text_cleanup(deps: ProcessingDeps, doc: dict[str, Any], kept: str | None) -> None:
    """A reprocessed document's earlier full-text object is replaced, not left behind."""
    previous = object_name(deps.bucket, doc.get("ocrResultUrl"))
    if previous is not None and previous != kept:
        delete_quietly(deps.storage_client, deps.bucket, previous)


def sweep_text_objects(deps: ProcessingDeps, doc_id: str) -> list[str]:
    """Delete the full-text objects of ``doc_id`` nobody references; return their names.

    They are what attempts left that crashed between upload and commit. The listing comes
    first and the document is read after it: an attempt uploads only while it holds the
    claim and can commit only while it still does, so the object of any attempt that may
    yet commit belongs to the owner seen by that later read, and is kept.
    """
    prefix = ocr_text_prefix(deps.pipeline.pipeline_prefix, doc_id)
    deleted: list[str] = []
    try:
        names = list_names(deps.storage_client, deps.bucket, prefix)
        if not names:
            return deleted
        current = lifecycle.read(deps.db, doc_id) or {}
        keep = {object_name(deps.bucket, current.get("ocrResultUrl"))}
        owner = current.get("processingOwner")
        if owner:
            keep.add(ocr_text_object(deps.pipeline.pipeline_prefix, doc_id, str(owner)))
        for name in names:
            if name not in keep:
                delete_quietly(deps.storage_client, deps.bucket, name)
                deleted.append(name)
    except Exception as exc:  # tidying must never turn a handled outcome into a failure
        structured_log.log(logger, logging.WARNING, "OCR text sweep failed", error=str(exc))
    if deleted:
        structured_log.log(logger, logging.INFO, "orphaned OCR text deleted", objects=deleted)
    return deleted


def _sweep_if_retried(deps: ProcessingDeps, owned: lifecycle.Claim) -> None:
    """Only a document claimed before can have an earlier attempt's leftovers."""
    if int(owned.snapshot.get("processingAttempts") or 0) > 0:
        sweep_text_objects(deps, owned.doc_id)


def _failed_page_numbers(outcome: OcrOutcome) -> str:
    return ",".join(str(p.page_number) for p in outcome.failed_pages[:200])


def _partial_error(deps: ProcessingDeps, owned: lifecycle.Claim,
                   outcome: OcrOutcome) -> ErrorEntry:
    doc = owned.snapshot
    failed = outcome.failed_pages
    reasons = sorted({p.error or "" for p in failed})[:5]
    return error_entry(
        deps.db, error_type="OCR部分失敗", file_name=str(doc.get("fileName")),
        file_id=str(doc.get("fileId")), file_url=doc.get("fileUrl"), document_id=owned.doc_id,
        details=f"{outcome.total_pages}ページ中{len(failed)}ページの読み取りに失敗しました: "
                + " / ".join(reasons),
        dedupe_key=f"ocr-partial:{owned.doc_id}", now=deps.clock(),
        extra={"totalPages": outcome.total_pages, "successPages": len(outcome.ok_pages),
               "failedPages": len(failed), "failedPageNumbers": _failed_page_numbers(outcome)},
    )


def _ocr_failed_completely(deps: ProcessingDeps, owned: lifecycle.Claim, outcome: OcrOutcome,
                           update: dict[str, Any], detail: dict[str, Any]) -> ProcessResult:
    doc = owned.snapshot
    reasons = sorted({p.error or "" for p in outcome.pages})[:5]
    details = (f"全{outcome.total_pages}ページの読み取りに失敗しました: " + " / ".join(reasons))
    update = {**update, "status": "error", "errorReason": details[:500]}
    error = error_entry(
        deps.db, error_type="OCR完全失敗", file_name=str(doc.get("fileName")),
        file_id=str(doc.get("fileId")), file_url=doc.get("fileUrl"), document_id=owned.doc_id,
        details=details, dedupe_key=f"ocr-failed:{owned.doc_id}", now=deps.clock(),
        extra={"totalPages": outcome.total_pages, "successPages": 0,
               "failedPages": len(outcome.failed_pages),
               "failedPageNumbers": _failed_page_numbers(outcome)},
    )
    if not lifecycle.commit(deps.db, owned, update, detail, without_protected, error=error):
        return ProcessResult("stale", owned.doc_id)
    _sweep_if_retried(deps, owned)
    return ProcessResult("error", owned.doc_id, {"reason": details})


def _handle_failure(deps: ProcessingDeps, owned: lifecycle.Claim,
                    exc: Exception) -> ProcessResult:
    disposition = classify(exc)
    p = deps.pipeline
    now = deps.clock()
    reason = f"{type(exc).__name__}: {exc}"
    attempts = owned.failed_attempts
    if disposition is not Disposition.PERMANENT and attempts + 1 < p.max_processing_attempts:
        if disposition is Disposition.QUOTA:
            delay = backoff_seconds(attempts, p.quota_backoff_base_seconds,
                                    p.quota_backoff_cap_seconds, deps.rng)
        else:
            delay = backoff_seconds(attempts, p.requeue_backoff_base_seconds,
                                    p.quota_backoff_base_seconds, deps.rng)
        retry_at = now + timedelta(seconds=delay)
        if not lifecycle.requeue(deps.db, owned, retry_at, reason, disposition.value, now):
            return ProcessResult("stale", owned.doc_id)
        # Still the owner until now, so this attempt's commit did not land: its text
        # object (if the failure came after the upload) is an orphan.
        sweep_text_objects(deps, owned.doc_id)
        structured_log.log(logger, logging.WARNING, "processing requeued",
                           disposition=disposition.value, retryAt=retry_at.isoformat(),
                           error=reason[:300])
        return ProcessResult("requeued", owned.doc_id,
                             {"disposition": disposition.value, "delaySeconds": delay})
    error_type = error_type_for(exc) if disposition is Disposition.PERMANENT else "システムエラー"
    doc = owned.snapshot
    error = error_entry(
        deps.db, error_type=error_type, file_name=str(doc.get("fileName")),
        file_id=str(doc.get("fileId")), file_url=doc.get("fileUrl"), document_id=owned.doc_id,
        details=f"{reason}"[:2000], dedupe_key=f"process:{owned.doc_id}", now=now,
        extra={"errorClass": disposition.value, "attempts": attempts + 1},
    )
    failed = lifecycle.fail(deps.db, owned, {
        "errorReason": str(exc)[:500] or type(exc).__name__,
        "lastError": {"class": disposition.value, "message": reason[:500], "at": now},
        "processedAt": now, "updatedAt": now,
    }, error=error)
    if not failed:
        return ProcessResult("stale", owned.doc_id)
    sweep_text_objects(deps, owned.doc_id)
    structured_log.log(logger, logging.ERROR, "processing failed", errorType=error_type,
                       disposition=disposition.value, error=reason[:300])
    return ProcessResult("error", owned.doc_id, {"errorType": error_type, "reason": reason})
