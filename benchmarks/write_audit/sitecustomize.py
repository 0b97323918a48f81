"""Loaded by every function process of the burst benchmark (it is put on PYTHONPATH):
with ``WRITE_AUDIT_DIR`` set, every document written through a Firestore commit is
appended, with the time, to a file per process, so the benchmark can find the busiest
document. Benchmarks only: nothing in the product imports this."""

from __future__ import annotations

import os
import threading
import time
from typing import Any


def _install(directory: str) -> None:
    from google.cloud.firestore_v1.services.firestore import client as gapic

    lock = threading.Lock()
    path = os.path.join(directory, f"writes-{os.getpid()}.tsv")
    original = gapic.FirestoreClient.commit

    def commit(self: Any, request: Any = None, **kw: Any) -> Any:
        response = original(self, request=request, **kw)
        writes = request.get("writes") if isinstance(request, dict) else request.writes
        now = time.time()
        names = []
        for write in writes or []:
            pb = type(write).pb(write) if hasattr(type(write), "pb") else write
            kind = pb.WhichOneof("operation")
            name = pb.update.name if kind == "update" else (
                pb.delete if kind == "delete" else pb.transform.document)
            names.append(name.split("/documents/", 1)[-1])
        with lock, open(path, "a", encoding="utf-8") as out:
            out.writelines(f"{now:.6f}\t{n}\n" for n in names)
        return response

    gapic.FirestoreClient.commit = commit  # type: ignore[method-assign]


if os.environ.get("WRITE_AUDIT_DIR"):
    _install(os.environ["WRITE_AUDIT_DIR"])
