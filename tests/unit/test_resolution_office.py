"""Office: legal forms, brands with several services or branches, generic names."""

from __future__ import annotations

from functools import lru_cache

from shared.masters_import import validate
from shared.models.masters import MasterOffice
from shared.resolution.config import ResolutionConfig
from shared.resolution.engine import ResolutionResult, resolve_document
from shared.resolution.index import MasterIndex, is_generic_office_name, office_key
from shared.resolution.office import OfficeResult, resolve_office
from shared.resolution.office_match import fold
from shared.resolution.text import prepare
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


# --------------------------------------------------------------------------- OCR noise
# A master of its own: brands with several services and branches, as in a real list.
_BRAND_OFFICES = [
    {"id": "B01", "name": "株式会社松風　訪問看護ステーション", "shortName": "松風訪問看護"},
    {"id": "B02", "name": "株式会社松風 松風訪問看護ステーション本町店",
     "shortName": "松風訪問看護本町"},
    {"id": "B03", "name": "株式会社清風　訪問介護事業所", "shortName": "清風訪問介護"},
    {"id": "B04", "name": "株式会社ファミリー苑 ヘルパーステーションファミリー苑",
     "shortName": "ファミリー苑訪問介護"},
    {"id": "B05", "name": "有限会社ケアゆめ 居宅介護支援事業所",
     "shortName": "ケアゆめ居宅介護支援"},
    {"id": "B06", "name": "ゆめ株式会社 居宅介護支援事業所", "shortName": "ゆめ居宅介護支援"},
    {"id": "B07", "name": "有限会社さくらケアプランセンターさくら",
     "shortName": "さくら居宅介護支援"},
    {"id": "B08", "name": "株式会社ひだまり ひだまりデイサービスセンター",
     "shortName": "ひだまりデイサービス"},
    {"id": "B09", "name": "医療法人社団青葉会 青葉台クリニック", "shortName": "青葉台クリニック"},
    {"id": "B10", "name": "合同会社リーフ居宅介護支援事業所阿佐谷センター",
     "shortName": "リーフ居宅介護支援阿佐谷"},
]


@lru_cache(maxsize=1)
def _brand_index() -> MasterIndex:
    return MasterIndex([], [], [MasterOffice.model_validate(o) for o in _BRAND_OFFICES])


def _brand(text: str, file_name: str = "scan.pdf") -> OfficeResult:
    return resolve_office(prepare(text), file_name, _brand_index(), ResolutionConfig())


def _top(r: OfficeResult) -> str | None:
    return r.candidates[0][0].id if r.candidates else None


def test_fold_makes_ocr_confusables_and_specks_equal() -> None:
    # ロ/口, ー/一, ン/ソ are one character to OCR; 丶 and ﾞ are specks, not name parts
    damaged = office_key("ケア丶プラソセンタ一ひ口ば")
    assert fold(office_key("ケアプランセンターひろば")) == fold(damaged)
    assert fold(office_key("訪問看護")) != fold(office_key("訪問介護"))


def test_confusable_damage_in_a_sender_name_is_still_read() -> None:
    r = _resolve("訪問介護計画書\n作成事業所 ㈱シャイソケア シャインケア訪問介護事業ﾞ所\n")
    assert (r.office_id, r.office_confirmed) == ("O005", True)


def test_short_name_read_inside_a_longer_name_of_the_same_brand() -> None:
    # 松風訪問看護(ステーション) of B01 lies inside B02's name: the text names B02
    r = _brand("訪問看護報告書\n事業所名 株式会社松風 松風訪問看護ステーション本町店\n")
    assert (_top(r), r.confirmed) == ("B02", True)
    r2 = _brand("訪問看護報告書\n事業所名 ケアゆめ居宅介護支援事業所\n")
    assert (_top(r2), r2.confirmed) == ("B05", True)


def test_longer_name_whose_extra_part_is_absent_covers_nothing() -> None:
    r = _brand("訪問看護報告書\n事業所名 株式会社松風 訪問看護ステーション\n〒150-0001 渋谷区\n")
    assert (_top(r), r.confirmed) == ("B01", True)


def test_half_destroyed_branch_is_not_confirmed_as_the_plain_brand() -> None:
    # 本町店 is half unreadable: it is not B01 for sure, nor B02 for sure
    r = _brand("訪問看護報告書\n事業所名 株式会社松風 松風訪問看護ステ一ション本■后\n")
    ids = [o.id for o, _s in r.candidates]
    assert not (r.confirmed and ids[0] == "B01")
    assert "B02" in ids[:2]


def test_plain_mention_of_a_partner_is_not_the_sender() -> None:
    # the sender's label reads 清風 badly; a well-read partner in the body is not the sender
    text = ("事故報告書\n作成事業所 株式会社清風　訪末介護事業所\n〒344-1256 和光市白子6-1-18\n"
            "管理者 清水美咲 (印)\n通所 ファミリー苑訪問介護\n")
    r = _brand(text)
    assert not (r.confirmed and _top(r) == "B04")


def test_ocr_misread_phone_number_still_marks_the_sender_block() -> None:
    # file name: the sender's fax number; the letterhead's TEL is read with O/o for 0
    # (two lines below the name, so only the number ties the name to the sender)
    text = ("介護予防サービス・支援計画書\n通所 ひだまりデイサービスセンター\n"
            "計画期間 令和3年7月~令和4年6月\n自宅で安全に入浴したい。\n"
            "さくらケアプランセンターさくら\n担当 山田英樹\n"
            "TEL O44-3o4-8783 FAX O44-3O4-8784\n")
    r = _brand(text, "0443048784-L811-20210717143029.pdf")
    assert (_top(r), r.confirmed) == ("B07", True)
