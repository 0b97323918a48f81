"""Command-line resolution over a cases file (the benchmark contract).

    python -m shared.resolve --masters MASTERS.json --cases CASES.jsonl > PRED.jsonl

Reads the masters once (the kit's format, also accepted by ``shared.masters_import``),
then one JSON line per case: ``{"id", "documentTypeId", "customerId",
"customerConfirmed", "customerCandidates": [{"id", "score"}], "officeId",
"officeConfirmed", "officeCandidates": [...], "fileDate"}``. A case line's other keys
(``truth``, ``meta`` …) are never read: only ``id``, ``fileName`` and ``text``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TextIO

from shared.models.masters import MastersFile
from shared.resolution.config import ResolutionConfig
from shared.resolution.engine import ResolutionResult, resolve_document
from shared.resolution.index import MasterIndex


def load_index(path: Path) -> MasterIndex:
    """The kit's masters JSON, indexed."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return MasterIndex.from_masters_file(MastersFile.model_validate(data))


def prediction(case_id: Any, result: ResolutionResult) -> dict[str, Any]:
    """A result in the benchmark's prediction shape."""
    return {
        "id": case_id,
        "documentTypeId": result.document_type_id,
        "customerId": result.customer_id,
        "customerConfirmed": result.customer_confirmed,
        "customerCandidates": [
            {"id": c.id, "score": c.score} for c in result.customer_candidates
        ],
        "officeId": result.office_id,
        "officeConfirmed": result.office_confirmed,
        "officeCandidates": [{"id": c.id, "score": c.score} for c in result.office_candidates],
        "fileDate": result.file_date.isoformat() if result.file_date else None,
    }


def iter_cases(lines: Iterable[str]) -> Iterator[dict[str, Any]]:
    for line in lines:
        line = line.strip()
        if line:
            case = json.loads(line)
            # only what an engine may read
            yield {"id": case.get("id"), "fileName": case.get("fileName") or "",
                   "text": case.get("text") or ""}


def run(index: MasterIndex, cases: Iterable[dict[str, Any]], out: TextIO,
        config: ResolutionConfig | None = None) -> int:
    n = 0
    for case in cases:
        result = resolve_document(case["text"], case["fileName"], index, config)
        out.write(json.dumps(prediction(case["id"], result), ensure_ascii=False) + "\n")
        n += 1
    return n


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--masters", required=True, type=Path)
    ap.add_argument("--cases", required=True, type=Path)
    ap.add_argument("--timing", action="store_true", help="print timing to stderr")
    a = ap.parse_args(argv)
    t0 = time.perf_counter()
    index = load_index(a.masters)
    t1 = time.perf_counter()
    with a.cases.open(encoding="utf-8") as f:
        n = run(index, iter_cases(f), sys.stdout)
    t2 = time.perf_counter()
    if a.timing:
        print(f"index {1000 * (t1 - t0):.0f} ms; {n} cases in {t2 - t1:.2f} s "
              f"({1000 * (t2 - t1) / max(1, n):.1f} ms/case)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
