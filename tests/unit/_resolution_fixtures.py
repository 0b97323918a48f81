"""Shared fixture data for the resolution tests (realistic Japanese, never /work/shared)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from shared.models.masters import MastersFile
from shared.resolution.index import MasterIndex

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "resolution"
MASTERS_JSON = FIXTURES / "masters.json"
CASES_JSONL = FIXTURES / "cases.jsonl"


@lru_cache(maxsize=1)
def fixture_index() -> MasterIndex:
    data = json.loads(MASTERS_JSON.read_text(encoding="utf-8"))
    return MasterIndex.from_masters_file(MastersFile.model_validate(data))
