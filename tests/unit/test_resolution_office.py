"""Office: legal forms, brands with several services or branches, generic names."""

from __future__ import annotations

from shared.masters_import import validate
from shared.resolution.engine import ResolutionResult, resolve_document
from shared.resolution.index import is_generic_office_name
from tests.unit._resolution_fixtures import fixture_index


def _resolve(text: str, file_name: str = "scan.pdf") -> ResolutionResult:
    return resolve_document(text, file_name, fixture_index())


def test_abbreviated_legal_form() -> None:
    r = _resolve("訪問介護計画書\n作成事業所 ㈱シャインケア シャインケア訪問介護事業所\n")
    assert (r.office_id, r.office_confirmed) == ("O005", True)


def test_without_legal_form() -> None:
    r = _resolve("訪問介護計画書\n事業所名：シャインケア訪問介護事業所\n")
    assert (r.office_id, r.office_confirmed) == ("O005", True)


def test_same_brand_different_service() -> None:
    r = _resolve("計画書\n作成事業所 株式会社やまびこ　小規模多機能型居宅介護\n")
    assert (r.office_id, r.office_confirmed) == ("O002", True)
    r2 = _resolve("計画書\n送信元：やまびこショートステイ\n")
    assert (r2.office_id, r2.office_confirmed) == ("O001", True)


def test_same_brand_different_branch() -> None:
    r = _resolve("通所介護計画書\n事業所名 エールデイサービスセンター 文京\n")
    assert (r.office_id, r.office_confirmed) == ("O004", True)
    # the brand without a branch must not be confirmed as either branch
    r2 = _resolve("通所介護計画書\n事業所名 エールデイサービスセンター\n")
    assert r2.office_confirmed is False


def test_recipient_office_is_not_the_sender() -> None:
    r = _resolve("訪問介護計画書\n宛先：エールデイサービスセンター 目黒 御中\n"
                 "作成事業所 株式会社シャインケア シャインケア訪問介護事業所\n")
    assert (r.office_id, r.office_confirmed) == ("O005", True)


def test_fax_number_in_file_name_marks_the_sender_block() -> None:
    text = ("訪問介護計画書\n連携先 エールデイサービスセンター 目黒\n"
            "シャインケア訪問介護事業所\nTEL 03-4182-4730 FAX 03-4182-4731\n")
    r = _resolve(text, "0341824731-L811-20251106124125.pdf")
    assert (r.office_id, r.office_confirmed) == ("O005", True)


def test_file_name_prefix_is_evidence() -> None:
    r = _resolve("訪問看護計画書\n療養上の課題\n",
                 "つばさテラス訪問看護墨田-L213-20240722090231.pdf")
    assert r.office_id == "O007"


def test_generic_short_name_does_not_match_inside_longer_text() -> None:
    r = _resolve("計画書\n作成事業所 グリーンサポート訪問介護事業所\n")
    assert r.office_confirmed is False or r.office_id != "O008"


def test_unknown_office_gets_a_suggestion() -> None:
    r = _resolve("サービス提供票\n事業所名 ひまわりケアステーション西新井\nTEL 03-1111-2222\n")
    assert r.office_confirmed is False
    assert r.suggested_new_office == "ひまわりケアステーション西新井"


def test_generic_names_are_computed_not_listed() -> None:
    assert is_generic_office_name("ケア")
    assert is_generic_office_name("株式会社サポート")
    assert is_generic_office_name("訪問介護事業所")
    assert not is_generic_office_name("シャインケア訪問介護事業所")
    report = validate("offices", [{"name": "ケア"}, {"name": "はるかぜの森クリニック"}])
    assert [r.reason.split(" ")[0] for r in report.rejected] == ["short"]
