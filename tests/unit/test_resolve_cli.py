"""The benchmark command on a small slice: output shape, one line per case, ignored keys."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.unit._resolution_fixtures import CASES_JSONL, MASTERS_JSON

KEYS = {"id", "documentTypeId", "customerId", "customerConfirmed", "customerCandidates",
        "officeId", "officeConfirmed", "officeCandidates", "fileDate"}


def test_benchmark_command_output_shape(tmp_path: Path) -> None:
    # a case line with extra keys (truth, meta) and one without them
    cases = tmp_path / "cases.jsonl"
    lines = CASES_JSONL.read_text(encoding="utf-8").splitlines()
    extra = json.dumps({"id": "bare", "fileName": "x.pdf", "text": "訪問介護計画書\n"},
                       ensure_ascii=False)
    cases.write_text("\n".join([*lines, extra]) + "\n", encoding="utf-8")
    out = subprocess.run(
        [sys.executable, "-m", "shared.resolve", "--masters", str(MASTERS_JSON),
         "--cases", str(cases)],
        capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parents[2],
    )
    preds = [json.loads(x) for x in out.stdout.splitlines()]
    assert [p["id"] for p in preds] == [json.loads(x)["id"] for x in lines] + ["bare"]
    for p in preds:
        assert set(p) == KEYS
        assert isinstance(p["customerConfirmed"], bool)
        assert all(set(c) == {"id", "score"} for c in p["customerCandidates"])
        assert len(p["customerCandidates"]) <= 5 and len(p["officeCandidates"]) <= 5
        assert p["fileDate"] is None or len(p["fileDate"]) == 10
    first = preds[0]
    assert (first["documentTypeId"], first["customerId"], first["officeId"]) == (
        "D013", "C006", "O005")
    assert first["fileDate"] == "2025-10-30"


def test_truth_is_never_read(tmp_path: Path) -> None:
    from shared.resolve import iter_cases

    line = json.dumps({"id": "a", "fileName": "f.pdf", "text": "t",
                       "truth": {"customerId": "C001"}, "meta": {"tags": []}})
    assert list(iter_cases([line])) == [{"id": "a", "fileName": "f.pdf", "text": "t"}]
