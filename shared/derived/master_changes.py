"""What follows from a master change (``masters/{type}/items/{id}`` written).

- A customer's ``careManagerName`` changed: that customer's documents take the new
  ``careManager`` / ``careManagerKey`` (their groups follow through their own events),
  page by page in bounded batches. Unless a person set the document's care manager by
  hand (``editedFields`` lists it).
- A master was added, or gained an alias (or a new name, short name, furigana): documents
  left unresolved for that kind (``customerConfirmed``/``officeConfirmed`` false, 不明顧客,
  未判定) are resolved again with the resolution engine. Only the unresolved kind's fields
  are written, never fields a person decided (``shared.pipeline.protected``), and only
  onto the version that was read (a precondition).

Both read the live master and the live documents, so a duplicated, late or reordered
master event only repeats work that finds nothing left to change.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from typing import Any

import google.cloud.storage as storage
from google.api_core import exceptions as gexc
from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared import structured_log
from shared.grouping.keys import group_keys
from shared.pipeline.masters_loader import CachedMasters
from shared.pipeline.protected import without_protected
from shared.pipeline.resolve import make_resolver

logger = structured_log.get_logger("shared.derived.master_changes")
PAGE = 200
MAX_RERESOLVE = 2000  # per event; the rest waits for the next change or the migration
UNKNOWN_CUSTOMER = "不明顧客"
UNKNOWN_TYPE = "未判定"
MATCH_FIELDS = ("name", "aliases", "shortName", "furigana", "keywords")
CUSTOMER_FIELDS = ("customerName", "customerId", "customerCandidates", "customerConfirmed",
                   "isDuplicateCustomer", "careManager")
OFFICE_FIELDS = ("officeName", "officeId", "officeCandidates", "officeConfirmed",
                 "suggestedNewOffice")
TYPE_FIELDS = ("documentType", "category", "fileDate")


def _pages(query: firestore.Query) -> Iterator[list[firestore.DocumentSnapshot]]:
    """A query in pages of ``PAGE``, ordered by id (no composite index needed)."""
    last: firestore.DocumentSnapshot | None = None
    while True:
        q = query.order_by("__name__").limit(PAGE)
        if last is not None:
            q = q.start_after(last)
        page = list(q.stream())
        if not page:
            return
        yield page
        if len(page) < PAGE:
            return
        last = page[-1]


def propagate_care_manager(db: firestore.Client, customer_id: str) -> int:
    """Set the live master's care manager on every document of the customer."""
    snap = (db.collection("masters").document("customers").collection("items")
            .document(customer_id).get())
    if not snap.exists:
        return 0
    raw = (snap.to_dict() or {}).get("careManagerName")
    care_manager = raw.strip() if isinstance(raw, str) and raw.strip() else None
    key = group_keys({"careManager": care_manager})["careManagerKey"]
    changed = 0
    query = db.collection("documents").where(filter=FieldFilter("customerId", "==",
                                                                customer_id))
    for page in _pages(query):
        batch = db.batch()
        pending = 0
        for doc in page:
            data = doc.to_dict() or {}
            if "careManager" in (data.get("editedFields") or []):
                continue  # a person chose this document's care manager
            if data.get("careManager") == care_manager and data.get("careManagerKey") == key:
                continue
            batch.update(doc.reference, {"careManager": care_manager, "careManagerKey": key})
            pending += 1
        if pending:
            batch.commit()
            changed += pending
    return changed


def matching_changed(before: dict[str, Any] | None, after: dict[str, Any] | None) -> bool:
    """Whether a master became able to match something it could not before."""
    if after is None:
        return False
    if before is None:
        return True
    return any(before.get(f) != after.get(f) for f in MATCH_FIELDS)


def _unresolved(db: firestore.Client, master_type: str) -> Iterator[firestore.DocumentSnapshot]:
    docs = db.collection("documents")
    queries: list[firestore.Query] = []
    if master_type == "customers":
        queries = [docs.where(filter=FieldFilter("customerConfirmed", "==", False)),
                   docs.where(filter=FieldFilter("customerName", "==", UNKNOWN_CUSTOMER))]
    elif master_type == "offices":
        queries = [docs.where(filter=FieldFilter("officeConfirmed", "==", False))]
    elif master_type == "documents":
        queries = [docs.where(filter=FieldFilter("documentType", "==", UNKNOWN_TYPE))]
    seen: set[str] = set()
    for query in queries:
        for page in _pages(query):
            for snap in page:
                if snap.id not in seen:
                    seen.add(snap.id)
                    yield snap


def _still_unresolved(master_type: str, doc: dict[str, Any]) -> bool:
    if doc.get("status") in ("split", "error"):
        return False
    if master_type == "customers":
        return not doc.get("confirmedBy") and (
            doc.get("customerConfirmed") is False or doc.get("customerName") == UNKNOWN_CUSTOMER)
    if master_type == "offices":
        return not doc.get("officeConfirmedBy") and doc.get("officeConfirmed") is False
    return doc.get("documentType") == UNKNOWN_TYPE


def ocr_text(doc: dict[str, Any], storage_client: Callable[[], storage.Client]) -> str | None:
    text = doc.get("ocrResult")
    if isinstance(text, str) and text:
        return text
    url = doc.get("ocrResultUrl")
    if isinstance(url, str) and url.startswith("gs://"):
        bucket, _, name = url[len("gs://"):].partition("/")
        with contextlib.suppress(gexc.NotFound):
            data: bytes = storage_client().bucket(bucket).blob(name).download_as_bytes()
            return data.decode("utf-8", errors="replace")
    return None


def reresolve_unresolved(db: firestore.Client, master_type: str,
                         storage_client: Callable[[], storage.Client]) -> dict[str, int]:
    """Resolve again the documents still unresolved for ``master_type``."""
    resolve = make_resolver(db, CachedMasters(ttl_seconds=0))
    own = {"customers": CUSTOMER_FIELDS, "offices": OFFICE_FIELDS,
           "documents": TYPE_FIELDS}.get(master_type, ())
    counts = {"seen": 0, "updated": 0, "skipped": 0}
    for snap in _unresolved(db, master_type):
        if counts["seen"] >= MAX_RERESOLVE:
            structured_log.log(logger, logging.WARNING, "re-resolution capped",
                               masterType=master_type, cap=MAX_RERESOLVE)
            break
        counts["seen"] += 1
        doc = snap.to_dict() or {}
        text = ocr_text(doc, storage_client)
        if not _still_unresolved(master_type, doc) or text is None:
            counts["skipped"] += 1
            continue
        fields = resolve(text, str(doc.get("fileName") or ""))
        update = without_protected({k: v for k, v in fields.items() if k in own}, doc)
        if master_type == "customers" and not update.get("customerId"):
            update = {}  # still nobody: leave the document as it is
        if master_type == "offices" and not update.get("officeId"):
            update = {}
        if master_type == "documents" and update.get("documentType") in (None, UNKNOWN_TYPE):
            update = {}
        update = {k: v for k, v in update.items() if doc.get(k) != v}
        if not update:
            counts["skipped"] += 1
            continue
        try:
            snap.reference.update(update,
                                  option=db.write_option(last_update_time=snap.update_time))
            counts["updated"] += 1
        except (gexc.FailedPrecondition, gexc.NotFound):
            counts["skipped"] += 1  # changed meanwhile (perhaps by a person): leave it
    return counts
