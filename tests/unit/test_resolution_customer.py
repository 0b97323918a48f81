"""Customer: labels, variants, fuzzy short names, split names, same-name, unknown."""

from __future__ import annotations

from shared.models.masters import MasterCustomer
from shared.resolution.engine import ResolutionResult, resolve_document
from shared.resolution.index import MasterIndex
from tests.unit._resolution_fixtures import fixture_index


def _resolve(text: str, file_name: str = "scan.pdf") -> ResolutionResult:
    return resolve_document(text, file_name, fixture_index())


def test_labelled_exact_name_is_confirmed_with_care_manager() -> None:
    r = _resolve("訪問介護計画書\n利用者　佐藤 薫 殿  生年月日 S23.1.19\n")
    assert (r.customer_id, r.customer_confirmed) == ("C006", True)
    assert r.care_manager == "谷口 朋子"
    assert r.customer_candidates[0].furigana == "さとう かおる"


def test_variant_kanji_in_text_matches_the_common_form_in_the_master() -> None:
    r = _resolve("サービス実施記録\n利用者氏名： 渡邉 四郎  生年月日 昭和2年7月5日\n")
    assert (r.customer_id, r.customer_confirmed) == ("C005", True)


def test_short_name_with_one_ocr_confusable_still_matches() -> None:
    # 力 for カ in a three-character name
    r = _resolve("訪問介護計画書\n利用者 佐藤 薫 殿\nフリガナ サトウ力オル\n")
    assert r.customer_id == "C006"
    r2 = _resolve("訪問看護報告書\n利用者氏名: 田中 勝了 様\n")
    assert r2.customer_id == "C008"


def test_name_split_across_lines() -> None:
    r = _resolve("訪問看護計画書\n利用者 田   生年月日 S23.05.20  性別 女\n中勝子様\n")
    assert (r.customer_id, r.customer_confirmed) == ("C008", True)


def test_name_one_character_per_line() -> None:
    r = _resolve("訪問看護計画書\n氏名\n田\n中\n勝\n子\n様\n")
    assert r.customer_id == "C008"


def test_substring_trap_prefers_the_whole_name() -> None:
    r = _resolve("居宅サービス計画書（2）\nご利用者様　髙橋　登美子  生年月日 S31.4.23\n")
    assert (r.customer_id, r.customer_confirmed) == ("C001", True)
    assert "C002" not in [c.id for c in r.customer_candidates[:1]]


def test_the_customer_field_is_preferred_over_family_members() -> None:
    r = _resolve("負担割合証\n氏名 遠藤　ハツ 殿\n同居家族（ご利用者）：山﨑　光江 様\n"
                 "緊急連絡先：長男 山﨑 光江 様\n")
    assert (r.customer_id, r.customer_confirmed) == ("C009", True)


def test_same_name_is_never_confirmed_and_lists_the_group() -> None:
    r = _resolve("訪問看護指示書\n患者氏名 中山初江 殿\n担当ケアマネジャー 中野 誠様\n")
    assert r.customer_confirmed is False
    assert r.is_duplicate_customer is True
    ids = [c.id for c in r.customer_candidates]
    assert set(ids[:2]) == {"C003", "C004"}
    # the care manager named in the text ranks the member it belongs to first
    assert ids[0] == "C003"


def test_same_name_groups_come_from_the_list_not_the_stale_flag() -> None:
    index = MasterIndex(
        documents=[], offices=[],
        customers=[
            MasterCustomer(id="A", name="加藤 絹子", furigana="かとう きぬこ", is_duplicate=False),
            MasterCustomer(id="B", name="加藤絹子", furigana="かとうきぬこ", is_duplicate=False),
            MasterCustomer(id="C", name="鈴木 一郎", furigana="すずき いちろう", is_duplicate=True),
        ],
    )
    assert index.customers[0].same_name == [1]
    assert index.customers[2].same_name == []


def test_furigana_line_alone_identifies_a_unique_reading() -> None:
    r = _resolve("訪問看護報告書\n はっとり　ちえこ\n利用者氏名： （判読不能）様\n")
    assert r.customer_id == "C007"


def test_unknown_person_is_unconfirmed_and_named_unknown() -> None:
    r = _resolve("サービス提供票\n利用者氏名:島田　喜美子 様\n")
    assert r.customer_confirmed is False
    assert r.customer_name == "不明顧客"


def test_file_name_is_evidence() -> None:
    r = _resolve("サービス実施記録\n提供日 令和5年10月25日\n",
                 "サービス実施記録_渡辺四郎様_R5.10.pdf")
    assert r.customer_id == "C005"
