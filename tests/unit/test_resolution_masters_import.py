"""Masters import, the pure part: CSV encodings and Japanese headers, validation."""

from __future__ import annotations

from pathlib import Path

from shared.masters_import import parse_file, stable_id, validate
from tests.unit._resolution_fixtures import MASTERS_JSON

CUSTOMERS_CSV = (
    "顧客氏名,フリガナ,担当ケアマネ,同姓同名,備考\n"
    "髙橋 登美子,たかはし とみこ,堤 博美,FALSE,\n"
    "中山 初江,なかやま はつえ,中野 誠,TRUE,長女と同居\n"
    ",なまえなし,,,\n"
)


def test_cp932_csv_with_japanese_headers(tmp_path: Path) -> None:
    path = tmp_path / "顧客.csv"
    path.write_bytes(CUSTOMERS_CSV.encode("cp932"))
    rows = parse_file(path, "customers")["customers"]
    assert rows[0]["name"] == "髙橋 登美子"
    assert rows[1]["isDuplicate"] is True
    report = validate("customers", rows)
    assert [i["name"] for i in report.items] == ["髙橋 登美子", "中山 初江"]
    assert report.items[0]["careManagerName"] == "堤 博美"
    assert report.items[1]["notes"] == "長女と同居"
    assert [(r.row, r.reason) for r in report.rejected] == [(3, "empty name")]


def test_utf8_bom_csv_and_stable_ids(tmp_path: Path) -> None:
    path = tmp_path / "offices.csv"
    path.write_bytes(("\ufeff事業所名,短縮名,別名\n"
                      "株式会社やまびこ やまびこショートステイ,やまびこショートステイ,"
                      "やまびこ苑、やまびこの家\n"
                      "サポート,,\n").encode())
    report = validate("offices", parse_file(path, "offices")["offices"])
    assert report.items[0]["aliases"] == ["やまびこ苑", "やまびこの家"]
    assert report.items[0]["id"] == stable_id("offices", "株式会社やまびこ やまびこショートステイ")
    assert report.rejected[0].reason.startswith("short generic office name")


def test_duplicate_ids_are_rejected() -> None:
    report = validate("caremanagers", [{"id": "CM01", "name": "堤 博美"},
                                       {"id": "CM01", "name": "中野 誠"}])
    assert [r.reason for r in report.rejected] == ["duplicate id CM01"]


def test_kit_json_format() -> None:
    parsed = parse_file(MASTERS_JSON, None)
    assert set(parsed) == {"documents", "customers", "offices", "caremanagers"}
    report = validate("documents", parsed["documents"])
    assert report.items[0]["dateMarker"] == "提供月"
    assert not report.rejected
