"""The demo's per-file summary: what became of each sample file, in one line each."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from google.cloud import firestore

from shared.events.storage import StorageObject
from shared.localcloud.samples import SampleFile
from shared.pipeline.intake import document_id_for

JST = ZoneInfo("Asia/Tokyo")


def _date(value: Any) -> str:
    if isinstance(value, datetime):
        return value.astimezone(JST).date().isoformat()
    return "—" if value in (None, "") else str(value)


def _confirmed(doc: dict[str, Any]) -> str:
    if doc.get("status") != "processed" or doc.get("duplicateOf"):
        return "—"
    customer = "確定" if doc.get("customerConfirmed") else "要確認"
    office = "確定" if doc.get("officeConfirmed") else "要確認"
    return f"顧客{customer}・事業所{office}"


def summary_lines(db: firestore.Client, uploaded: list[tuple[SampleFile, dict[str, Any]]],
                  ) -> list[str]:
    """One block per sample: status, engine, pages, type, customer, office, date,
    confirmed, and whether it matches what a person would file it under."""
    lines: list[str] = []
    right = judged = scans = scans_right = 0
    for sample, resource in uploaded:
        doc_id = document_id_for(StorageObject.model_validate(resource))
        snap = db.collection("documents").document(doc_id).get()
        lines.append(f"- {sample.object_name}  ({sample.note})")
        if not snap.exists:
            logs = [db.collection(c).document(doc_id).get() for c in ("uploadLogs", "gmailLogs")]
            found = next((s.to_dict() or {} for s in logs if s.exists), {})
            lines.append(f"    no document; log status {found.get('status', '—')}, "
                         f"{found.get('mediaKind', '')} → {found.get('handledBy', '—')}")
            continue
        doc = snap.to_dict() or {}
        status = str(doc.get("status"))
        if doc.get("duplicateOf"):
            status += f" (duplicateOf {doc['duplicateOf'][:8]}…)"
        if doc.get("errorReason"):
            status += f" — {doc['errorReason']}"
        rotations = ", ".join(f"p{r['pageNumber']}:{r['rotation']}°"
                              for r in doc.get("pageRotations") or [])
        lines.append(f"    status {status}; engine {doc.get('ocrEngine') or '—'}; "
                     f"pages {doc.get('totalPages', '—')}"
                     + (f"; rotated {rotations}" if rotations else ""))
        got = {"documentType": doc.get("documentType"), "customerName": doc.get("customerName"),
               "officeName": doc.get("officeName"), "fileDate": _date(doc.get("fileDate"))}
        lines.append(f"    type {got['documentType'] or '—'} | customer "
                     f"{got['customerName'] or '—'} | office {got['officeName'] or '—'} | "
                     f"date {got['fileDate']} | {_confirmed(doc)}")
        if sample.expected is not None and not doc.get("duplicateOf"):
            ok = got == sample.expected
            judged += 1
            right += ok
            scans += sample.scan_like
            scans_right += sample.scan_like and ok
            if not ok:
                wrong = {k: f"{got[k]} ≠ {v}" for k, v in sample.expected.items() if got[k] != v}
                lines.append(f"    expected differs: {wrong}")
    lines.append(f"\nall four fields right (type, customer, office, date): {right} of "
                 f"{judged} care documents (copies linked as duplicates not counted) "
                 f"(scan-like: {scans_right} of {scans})")
    return lines
