"""Customer: labels, variants, fuzzy short names, split names, same-name, unknown."""

from __future__ import annotations

from shared.models.masters import MasterCustomer
from shared.resolution import customer, fuzzy
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


# ---------------------------------------------------------------- OCR-damaged fields

def _people(*rows: tuple[str, str, str, str | None]) -> MasterIndex:
    """A small master of (id, name, furigana, birth date) with one care manager each."""
    return MasterIndex(
        documents=[], offices=[],
        customers=[MasterCustomer(id=i, name=n, furigana=f, is_duplicate=False,
                                  care_manager_name="谷口 朋子", birth_date=b)
                   for i, n, f, b in rows],
    )


_OGAWA = _people(("K1", "小川 博", "おがわ ひろし", None), ("K2", "小川 勉", "おがわ つとむ", None),
                 ("K3", "太田 千代子", "おおた ちよこ", None),
                 ("K4", "大石 千代子", "おおいし ちよこ", None),
                 ("K5", "山下寿子", "やましたひさこ", None),
                 ("K6", "山下 房子", "やました ふさこ", None),
                 ("K7", "高橋 正一", "たかはし しょういち", None),
                 ("K8", "広瀬 ウメ", "ひろせ うめ", None),
                 ("K9", "中川 三郎", "なかがわ さぶろう", None))


def test_a_speck_inside_the_label_does_not_hide_it() -> None:
    for text in ("モニタリング報告書\nご利`用者様 小川 博 様\n",
                 "サービス提供票\n利丶用者: 小川 博 様\n"):
        r = resolve_document(text, "scan.pdf", _OGAWA)
        assert (r.customer_id, r.customer_confirmed) == ("K1", True), text


def test_a_label_with_one_ocr_error_is_still_a_label_but_another_field_is_not() -> None:
    r = resolve_document("アセスメントシート\nご利メ者名:小川 博 生年月日 昭和4年10月2日\n",
                         "scan.pdf", _OGAWA)
    assert (r.customer_id, r.customer_confirmed) == ("K1", True)
    # 被保険者番号 is one character away from 被保険者名, but names another field
    assert customer._fuzzy_label_end("被保険者番号:9125069742") is None
    assert customer._fuzzy_label_end("ノ用者 石由 寅吉") is not None


def test_label_remainder_and_leading_speck_are_skipped() -> None:
    r = resolve_document("事故報告書\n利用者氏:山下寿子\n", "scan.pdf", _OGAWA)
    assert (r.customer_id, r.customer_confirmed) == ("K5", True)
    r2 = resolve_document("ショートステイ計画書\n利用者名 、山下寿子\n", "scan.pdf", _OGAWA)
    assert (r2.customer_id, r2.customer_confirmed) == ("K5", True)


def test_a_broken_birth_date_label_ends_the_name_and_the_next_line_completes_it() -> None:
    r = _resolve('訪問看護指示書\n患者名 :田中 生年月"日昭和12年8月25日(86歳) 性別 女\n勝子殿\n')
    assert (r.customer_id, r.customer_confirmed) == ("C008", True)


def test_a_name_cut_into_three_parts_before_the_honorific() -> None:
    r = _resolve("領収書\n田中 勝 子`様\n")
    assert r.customer_candidates and r.customer_candidates[0].id == "C008"


def test_stroke_fragments_are_noise_inside_a_name() -> None:
    assert fuzzy.align("小川博", "小川亅博").cost == fuzzy.NOISE_INSERT_COST
    r = resolve_document("モニタリング報告書\n小川 亅博 様 (2/2)\n", "scan.pdf", _OGAWA)
    ids = [c.id for c in r.customer_candidates]
    assert ids[0] == "K1"
    assert r.customer_candidates[0].score > (r.customer_candidates[1].score
                                             if len(ids) > 1 else 0.0)


def test_two_confusables_in_a_labelled_name_still_confirm() -> None:
    # 太→大 and 田→由, both glyphs OCR cannot tell apart; 大石千代子 is not a contender
    r = resolve_document("通所介護計画\n利用者:大由千代子 生年月日 1943年12月9日\n",
                         "scan.pdf", _OGAWA)
    assert (r.customer_id, r.customer_confirmed) == ("K3", True)


def test_a_lone_kana_speck_after_a_kanji_name_does_not_hide_it() -> None:
    r = resolve_document("訪問看護報告書\n氏名:高橋正一メ\n", "scan.pdf", _OGAWA)
    assert r.customer_candidates and r.customer_candidates[0].id == "K7"
    # while a longer name in the same script still is not the shorter one
    r2 = _resolve("居宅サービス計画書（2）\nご利用者様 髙橋 登美子\n")
    assert r2.customer_id == "C001"


def test_a_parenthesis_naming_a_family_member_after_the_honorific() -> None:
    r = resolve_document("御請求書\n※中川 三郎様(ご家族・当事業所ご利用中)の書類は別途送付\n",
                         "scan.pdf", _OGAWA)
    assert r.customer_confirmed is False


def test_noisy_furigana_label_and_kana_line_with_a_kanji_lookalike() -> None:
    r = resolve_document("通所介護計画書\nヒ口セウメ\n利用氏名 ▯・_〼 様\n", "scan.pdf", _OGAWA)
    assert r.customer_candidates and r.customer_candidates[0].id == "K8"
    r2 = resolve_document("サービス提供票\nフりガlナ ヤマシタヒサコ\n利用者 (判読不能)\n",
                          "scan.pdf", _OGAWA)
    assert r2.customer_candidates and r2.customer_candidates[0].id == "K5"


def test_the_exact_name_decides_when_the_reading_is_shared() -> None:
    index = _people(("N1", "中村智恵子", "なかむらちえこ", None),
                    ("N2", "中村千恵子", "なかむらちえこ", None))
    r = resolve_document("訪問介護計画書\nフリガナ ナカムラチエコ\n利用者氏名: 中村智恵子\n",
                         "scan.pdf", index)
    assert (r.customer_id, r.customer_confirmed) == ("N1", True)
    # the reading alone separates nobody
    r2 = resolve_document("訪問介護計画書\nフリガナ ナカムラチエコ\n利用者氏名: (判読不能)\n",
                          "scan.pdf", index)
    assert r2.customer_confirmed is False


_SAME = _people(("S1", "杉山 礼子", "すぎやま れいこ", "1931-01-24"),
                ("S2", "杉山礼子", "すぎやまれいこ", "1940-06-02"),
                ("S3", "杉山 栄", "すぎやま さかえ", None),
                ("S4", "佐藤 薫", "さとう かおる", None))


def test_a_damaged_same_name_lists_the_whole_group_unconfirmed() -> None:
    # お客様名 lost 客, the name lost 礼 and went on the next line
    r = resolve_document("居宅サービス計画書(1)\nお様名:ー杉山 生年日S6.1.24 性別女\n 子様\n",
                         "scan.pdf", _SAME)
    assert r.customer_confirmed is False
    assert {"S1", "S2"} <= {c.id for c in r.customer_candidates[:5]}


def test_a_weak_same_name_match_beside_another_person_keeps_the_group_listed() -> None:
    r = resolve_document("サービス提供票\n利用者 佐藤 薫 様\n杉山 礼 様より連絡あり\n",
                         "scan.pdf", _SAME)
    ids = [c.id for c in r.customer_candidates]
    assert (r.customer_id, r.customer_confirmed) == ("S4", True)
    assert {"S1", "S2"} <= set(ids)


def test_a_birth_date_in_the_text_orders_same_name_people() -> None:
    r = resolve_document("訪問介護計画書\n利用者氏名 杉山礼子 様 生年月日 1940/06/02\n",
                         "scan.pdf", _SAME)
    assert r.customer_confirmed is False
    assert [c.id for c in r.customer_candidates[:2]] == ["S2", "S1"]
