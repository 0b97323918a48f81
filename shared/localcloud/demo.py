"""``make demo``: run the main job end to end on the local cloud and say what happened.

Starts the emulators, every function and the event router; drops the bundled sample
files into the bucket as an uploader would; waits until every event has been handled;
prints which function handled what and the resulting documents; stops everything.
"""

from __future__ import annotations

import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import google.cloud.storage as storage
from google.cloud import firestore

from shared.derived.consistency import check_consistency
from shared.localcloud.cloud import LocalCloud
from shared.localcloud.demo_masters import seed_demo_masters
from shared.localcloud.demo_summary import summary_lines
from shared.localcloud.router import Delivery, EventRouter
from shared.localcloud.samples import SampleFile, build_samples

JST = ZoneInfo("Asia/Tokyo")
SHOWN_FIELDS = (
    "status", "fileName", "sourceType", "mimeType", "fileSize",
    "documentType", "customerName", "customerConfirmed", "officeName", "officeConfirmed",
    "fileDate", "careManager", "customerKey", "officeKey", "documentTypeKey", "careManagerKey",
)


def _print_delivery(delivery: Delivery) -> None:
    kind = delivery.event_type.rsplit(".", 2)[-2] + "." + delivery.event_type.rsplit(".", 1)[-1]
    print(f"  → {delivery.function:<10} {kind:<22} {delivery.subject}  "
          f"HTTP {delivery.status} (attempts {delivery.attempts})", flush=True)


def _format(value: Any) -> str:
    """Timestamps in Japan time, as the office reads them (fileDate is midnight JST)."""
    if isinstance(value, datetime):
        return value.astimezone(JST).isoformat()
    return str(value)


def run(samples_dir: Path) -> int:
    cloud = LocalCloud()
    began = time.monotonic()
    print("Starting the local cloud (Firestore, Pub/Sub, Storage emulators; functions) …")
    try:
        cloud.start_emulators()
        assert cloud.emulators is not None
        print(f"  emulators up in {cloud.timings['emulators']:.1f}s: "
              f"Firestore {cloud.emulators.firestore_host}, "
              f"Pub/Sub {cloud.emulators.pubsub_host}, Storage {cloud.emulators.storage_host}")
        cloud.start_functions()
        assert cloud.functions is not None
        for name, url in cloud.functions.urls.items():
            print(f"  function {name:<10} {url}")
        router = cloud.start_router()
        router.on_delivery = _print_delivery

        db = firestore.Client(project=cloud.project)
        print(f"\nSeeded {seed_demo_masters(db)} master items (documents, customers, offices, "
              "caremanagers)")
        samples = build_samples(samples_dir)
        bucket = storage.Client(project=cloud.project).bucket(cloud.bucket)
        print(f"\nUploading {len(samples)} sample file(s) to gs://{cloud.bucket}/ …")
        # A re-sent copy arrives after its original has been filed, as it does in an
        # office; uploaded together, either copy may win the race to be "first".
        resent = [s for s in samples if s.note.startswith("same bytes again")]
        uploaded = [(s, _upload(bucket, s)) for s in samples if s not in resent]
        _settle(router)
        uploaded += [(s, _upload(bucket, s)) for s in resent]
        _settle(router)

        print("\nPer file:")
        for line in summary_lines(db, uploaded):
            print(line)
        docs = sorted((d.to_dict() or {} for d in db.collection("documents").stream()),
                      key=lambda d: str(d.get("fileName")))
        print(f"\nFirestore documents/ ({len(docs)}):")
        for doc in docs:
            print(f"- documents/{doc.get('id')}")
            for field in SHOWN_FIELDS:
                if field in doc and doc[field] not in (None, ""):
                    print(f"    {field:<18} {_format(doc[field])}")
        _print_groups(db)
        errors = [d.to_dict() or {} for d in db.collection("errors").stream()]
        print(f"\nerrors/ ({len(errors)}):")
        for err in errors:
            print(f"- {err.get('errorType')}: {err.get('fileName')} — {err.get('errorDetails')}")
        failed = [d for d in router.deliveries if d.status != 200]
        dead = list(getattr(router, "dead_letters", []))
        print(f"\n{len(router.deliveries)} event deliveries, {len(failed)} failed, "
              f"{len(dead)} dead-lettered; total {time.monotonic() - began:.1f}s")
        return 0 if _self_check(db) and not failed and not dead else 1
    finally:
        cloud.stop()
        print("Local cloud stopped; no process left running.")


def _self_check(db: firestore.Client) -> bool:
    """The demo's own verdict: groups, group keys and the search index must equal a
    recomputation from the documents, or the demo fails however calm its output looks."""
    report = check_consistency(db)
    if report.ok:
        print(f"\nSelf-check: {report.groups} group(s) and the search index match a "
              f"recomputation from {report.documents} document(s).")
        return True
    print("\nSelf-check FAILED: derived data differs from a recomputation:")
    for line in report.group_drift + report.key_drift + report.index_drift:
        print(f"  - {line}")
    return False


def _settle(router: EventRouter) -> None:
    time.sleep(1.0)
    if not router.wait_idle(timeout=300, settle=2.0):
        print("warning: events were still being handled when the demo gave up waiting")


def _print_groups(db: firestore.Client) -> None:
    """What the derived-data function built for the web client's grouped views."""
    groups = sorted((g.to_dict() or {} for g in db.collection("documentGroups").stream()),
                    key=lambda g: (str(g.get("groupType")), str(g.get("displayName"))))
    print(f"\ndocumentGroups/ ({len(groups)}):")
    for group in groups:
        latest = ", ".join(str(d.get("fileName")) for d in group.get("latestDocs") or [])
        print(f"- {group.get('groupType'):<13} {group.get('displayName')}: "
              f"{group.get('count')} document(s); newest: {latest}")
    tokens = sum(1 for _ in db.collection("search_index").list_documents())
    print(f"search_index/: {tokens} token(s) indexed")


def _upload(bucket: storage.Bucket, sample: SampleFile) -> dict[str, Any]:
    blob = bucket.blob(sample.object_name)
    blob.upload_from_filename(str(sample.path), content_type=sample.content_type)
    blob.reload()
    print(f"  uploaded {sample.object_name} ({sample.path.stat().st_size:,} bytes)")
    return {**blob._properties, "bucket": bucket.name}


def main() -> None:
    from shared.localcloud.emulators import REPO_ROOT

    sys.exit(run(REPO_ROOT / ".localcloud" / "samples"))


if __name__ == "__main__":
    main()
