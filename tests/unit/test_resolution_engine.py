"""The entry point: result shape, seed document fields, pipeline compatibility, config."""

from __future__ import annotations

from datetime import date

from shared.pipeline.masters_loader import MasterRows, build_index
from shared.pipeline.resolve import RESOLUTION_FIELDS, to_fields
from shared.resolution.config import ResolutionConfig
from shared.resolution.engine import resolve_document
from tests.unit._resolution_fixtures import CASES_JSONL, fixture_index

TEXT = (
    "2025/11/06 12:41 FAX 0341824731 P.001/001\n訪問介護計画書\n"
    "利用者　佐藤 薫 殿  生年月日 S23.1.19\n作成日: 2025/10/30\n"
    "作成事業所 （株）シャインケア シャインケア訪問介護事業所\n"
)


def test_document_fields_use_the_seed_names_and_shapes() -> None:
    result = resolve_document(TEXT, "0341824731-L811-20251106124125.pdf", fixture_index())
    fields = result.document_fields()
    assert fields["documentType"] == "訪問介護計画書"
    assert fields["category"] == "計画書"
    assert fields["fileDate"] == date(2025, 10, 30)
    assert fields["customerName"] == "佐藤 薫"
    assert fields["customerConfirmed"] is True
    assert fields["careManager"] == "谷口 朋子"
    assert set(fields["customerCandidates"][0]) == {"id", "name", "score", "furigana"}
    assert set(fields["officeCandidates"][0]) == {"id", "name", "score", "shortName"}
    assert fields["officeName"] == "株式会社シャインケア シャインケア訪問介護事業所"
    assert set(fields) <= set(RESOLUTION_FIELDS)
    # the pipeline keeps every field (dates become timestamps there)
    piped = to_fields(result)
    assert set(fields) <= set(piped)
    assert {k: v for k, v in piped.items() if k in fields and k != "fileDate"} == {
        k: v for k, v in fields.items() if k != "fileDate"}
    assert 0.0 <= result.scores.customer <= 1.0


def test_candidates_are_at_most_five_and_sorted() -> None:
    result = resolve_document("計画書\n事業所名 エールデイサービスセンター\n", "x.pdf",
                              fixture_index())
    scores = [c.score for c in result.office_candidates]
    assert len(scores) <= 5
    assert scores == sorted(scores, reverse=True)


def test_thresholds_are_configuration() -> None:
    strict = ResolutionConfig(customer_confirm=1.0, customer_margin=1.0)
    result = resolve_document(TEXT, "x.pdf", fixture_index(), strict)
    assert result.customer_id == "C006"
    assert result.customer_confirmed is False


def test_pipeline_loader_builds_the_index_from_firestore_rows() -> None:
    rows = MasterRows({
        "documents": [{"id": "D013", "name": "訪問介護計画書", "dateMarker": "作成日",
                       "category": "計画書", "keywords": None}],
        "customers": [{"id": "C006", "name": "佐藤 薫", "furigana": "さとう かおる",
                       "isDuplicate": False, "notes": "長女と同居"}],
        "offices": [], "caremanagers": [],
    })
    index = build_index(rows)
    result = resolve_document(TEXT, "x.pdf", index)
    assert (result.document_type_id, result.customer_id) == ("D013", "C006")


def test_every_fixture_case_resolves_without_error() -> None:
    import json

    for line in CASES_JSONL.read_text(encoding="utf-8").splitlines():
        case = json.loads(line)
        resolve_document(case["text"], case["fileName"], fixture_index())
