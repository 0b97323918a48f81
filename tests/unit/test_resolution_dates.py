"""Dates: formats, eras, numerals, months, invalid dates, and the marker's date."""

from __future__ import annotations

from datetime import date

import pytest

from shared.resolution.dates import document_date, find_dates
from shared.resolution.text import prepare


def _first(text: str) -> date | None:
    found = [d for d in find_dates(prepare(text).lines[0].text) if d.kind != "blank"]
    return found[0].value if found else None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024年5月1日", date(2024, 5, 1)),
        ("2024/5/1", date(2024, 5, 1)),
        ("2024-05-01", date(2024, 5, 1)),
        ("２０２４年５月１日", date(2024, 5, 1)),
        ("令和6年5月1日", date(2024, 5, 1)),
        ("令和 6年 7月22日", date(2024, 7, 22)),
        ("令和元年5月1日", date(2019, 5, 1)),
        ("平成31年4月30日", date(2019, 4, 30)),
        ("昭和23年1月19日", date(1948, 1, 19)),
        ("大正15年3月3日", date(1926, 3, 3)),
        ("R6.5.1", date(2024, 5, 1)),
        ("R6/5/1", date(2024, 5, 1)),
        ("R06.07.15", date(2024, 7, 15)),
        ("H31.4.30", date(2019, 4, 30)),
        ("令和六年二月十九日", date(2024, 2, 19)),
        ("令和五年十二月二十一日", date(2023, 12, 21)),
        ("２０２５年６月１９日", date(2025, 6, 19)),
        ("2024年5月分", date(2024, 5, 1)),
        ("令和6年11月分", date(2024, 11, 1)),
        ("R4.9月", date(2022, 9, 1)),
    ],
)
def test_formats(text: str, expected: date) -> None:
    assert _first(text) == expected


@pytest.mark.parametrize("text", ["2025年2月30日", "令和6年13月1日", "2024/04/31"])
def test_impossible_dates_are_rejected(text: str) -> None:
    assert _first(text) is None


def test_ocr_lookalikes_between_digits_are_read_as_digits() -> None:
    assert _first("2O24/l/5") == date(2024, 1, 5)
    assert _first("作成日 令和6年2月6曰") == date(2024, 2, 6)
    assert _first("交付年月日 Ro3.o2.25") == date(2021, 2, 25)


def test_marker_picks_the_documents_date_among_several() -> None:
    doc = prepare(
        "2025/11/06 12:41 FAX 0341824731 P.001/001\n"
        "訪問介護計画書\n"
        "利用者 佐藤 薫 殿 生年月日 S23.1.19\n"
        "前回作成日 2025/08/01\n"
        "出力日時 2025/11/01 15:01\n"
        "作成日: 2025/10/30\n"
    )
    assert document_date(doc, "作成日")[0] == date(2025, 10, 30)


def test_range_gives_its_start_and_birthdays_are_ignored() -> None:
    doc = prepare("生年月日 昭和2年7月5日\n指示期間　令和６年７月１９日 ～ 令和６年１０月１８日\n")
    assert document_date(doc, "指示期間")[0] == date(2024, 7, 19)


def test_month_marker_gives_the_first() -> None:
    doc = prepare("サービス提供票\n提供月 令和7年10月分\n")
    assert document_date(doc, "提供月")[0] == date(2025, 10, 1)


def test_date_on_the_line_after_the_marker() -> None:
    doc = prepare("サービス担当者会議の要点\n開催日\n2025年3月8日\n")
    assert document_date(doc, "開催日")[0] == date(2025, 3, 8)


def test_blank_field_means_no_date() -> None:
    doc = prepare("訪問看護報告書\n報告日：　　年　　月　　日\n訪問日 令和6年5月2日\n")
    assert document_date(doc, "報告日")[0] is None


def test_no_marker_means_no_guess() -> None:
    doc = prepare("FAX送信票\n送信日：令和7年10月16日\n")
    assert document_date(doc, "開催日")[0] is None


def test_damaged_date_under_the_marker_is_not_replaced_by_another() -> None:
    # 月 lost: the range's end date must not be taken instead
    doc = prepare("指示期間 令和3年620日 ~ 令和3年12月19日\n")
    assert document_date(doc, "指示期間")[0] is None


def test_damaged_marker_is_still_found() -> None:
    doc = prepare("前回計画作成日:令和6年3月30日\n作成曰 令和6年7月8日\n")
    assert document_date(doc, "作成日")[0] == date(2024, 7, 8)


def test_pipe_next_to_a_digit_is_a_one_not_noise() -> None:
    # 令和6年|1月: the | is a misread 1 (November), not a stray mark (January)
    doc = prepare("居宅サービス計画書（1）\n作成年月日　令和6年|1月２０日\n")
    assert document_date(doc, "作成年月日")[0] == date(2024, 11, 20)


def test_s_and_b_misread_digits_in_a_date() -> None:
    assert _first("作成日 202S年5月2B日") == date(2025, 5, 28)
    assert _first("記載日 令和S年3月22日") == date(2023, 3, 22)
    # 昭和 S stays an era letter
    assert _first("生年月日 S23.1.19") == date(1948, 1, 19)


def test_label_with_a_look_alike_character_is_the_label() -> None:
    doc = prepare("訪問看護報告書\n報告曰\n令和6年12月19日\n")
    assert document_date(doc, "報告日")[0] == date(2024, 12, 19)


def test_lost_year_is_read_from_the_documents_working_dates() -> None:
    doc = prepare(
        "サービス実施記録\n提供日 令和年10月25日\n生年月日 昭和2年7月5日\n"
        "受付日 令和5年10月20日\n"
    )
    assert document_date(doc, "提供日")[0] == date(2023, 10, 25)


def test_short_year_is_read_from_the_fax_header() -> None:
    doc = prepare("2024/09/18 08:08 FAX 0358125650 P.001/001\n通所介護計画書\n"
                  "作成日　202年 9月15日\n")
    assert document_date(doc, "作成日")[0] == date(2024, 9, 15)


def test_year_glued_to_the_month_is_read_with_context() -> None:
    doc = prepare("請求書\n請求日 0257月13日\n送信日 2025年7月20日\n")
    assert document_date(doc, "請求日")[0] == date(2025, 7, 13)


def test_previous_and_next_dates_bound_the_year() -> None:
    doc = prepare("通所介護計画書\n前回作成日 令和5年12月4日\n作成日 令和年3月9日\n"
                  "次回モニタリング予定 令和6年5月20日\n")
    assert document_date(doc, "作成日")[0] == date(2024, 3, 9)


def test_lost_year_without_any_context_gives_no_date() -> None:
    doc = prepare("通所介護計画書\n作成日 令和年3月9日\n生年月日 昭和10年3月9日\n")
    assert document_date(doc, "作成日")[0] is None


def test_one_misread_unit_is_tolerated_but_not_two() -> None:
    assert document_date(prepare("記録日 令和5年8日28日\n"), "記録日")[0] == date(2023, 8, 28)
    assert document_date(prepare("提供月：令和5年12士分\n"), "提供月")[0] == date(2023, 12, 1)
    # 年 and 月 both misread: a day and a month cannot be told apart
    assert document_date(prepare("説明日 令和冫4ト10カ24日\n"), "説明日")[0] is None


def test_lost_day_or_month_is_not_filled_in() -> None:
    doc = prepare("送信日 2023年3月10日\n作成日: 2023年3月日\n")
    assert document_date(doc, "作成日")[0] is None
    doc = prepare("送信日 2023年4月10日\n作成日 令和 5年月２０日\n")
    assert document_date(doc, "作成日")[0] is None


def test_working_dates_leave_out_birthdays_and_far_dates() -> None:
    from shared.resolution.date_context import date_context

    ctx = date_context(prepare(
        "生年月日 平成2年3月3日\n受付日 令和6年5月1日\n前回作成日 令和5年11月1日\n"
        "次回モニタリング予定 令和6年8月1日\n認定有効期間 令和5年4月1日 ~ 令和7年3月31日\n"
    ))
    assert ctx.centre == date(2024, 5, 1)
    assert ctx.after == date(2023, 11, 1)
    assert ctx.before == date(2024, 8, 1)


def test_kanji_numerals_read_through_katakana_look_alikes() -> None:
    # ー for 一 inside 十一, ニ for 二 right after a unit, 曰 for the closing 日
    assert _first("請求日 令和四年十ー月七日") == date(2022, 11, 7)
    assert _first("発行日: 令和五年ニ月二十一曰") == date(2023, 2, 21)
    assert _first("作成日： 令和五年三月十ニ曰") == date(2023, 3, 12)
    # a dash alone is not a numeral
    assert _first("提供月 R5.ー月分") is None


def test_two_look_alikes_making_a_month_or_day() -> None:
    assert _first("提供月 2021年lO月分") == date(2021, 10, 1)
    assert _first("開催日 令和6年１０月 Io日") == date(2024, 10, 10)
    assert _first("計画作成日 2022/11/Ol") == date(2022, 11, 1)
    assert _first("作成年月曰:令和5年8月lS日") == date(2023, 8, 15)


def test_mark_before_a_look_alike_and_underscore_between_digits() -> None:
    assert _first("提供月2021/O・9") == date(2021, 9, 1)
    assert _first("作成日 202_5-04-25") == date(2025, 4, 25)
    assert _first("交付年月日: 令和~5年7,月28日") == date(2023, 7, 28)
    assert _first("作成曰 R6/9/B") == date(2024, 9, 8)


def test_era_letter_s_is_a_five_after_an_era() -> None:
    assert _first("請求日 令S年6月19日") == date(2023, 6, 19)
    assert _first("対象年月 RS.10月") == date(2023, 10, 1)


def test_mark_beside_a_single_digit_day_makes_the_day_unreadable() -> None:
    # 月ﾟ7日 may be 7 or 17..27: no date rather than a guess
    doc = prepare("受付日 令和3年4月20日\n作成日: 令和3年4月ﾟ7日\n")
    assert document_date(doc, "作成日")[0] is None
    doc = prepare("訪問日 2025/08/28\n実施日 2025/08/3ﾞ\n")
    assert document_date(doc, "実施日")[0] is None
    # between two digits a mark is noise: 2,5 is 25
    assert _first("作成日 2024年5月2,5日") == date(2024, 5, 25)


def test_numeric_date_with_a_lost_separator_is_read_when_only_one_reading_fits() -> None:
    # 2025/2/11 with its / lost: 2025 and 2 (a four-digit year cannot give 20252)
    doc = prepare("FAX 2025/02/14 10:21\n説明日 20252/11\n")
    assert document_date(doc, "説明日")[0] == date(2025, 2, 11)
    # 2023/5/28: 528 is 5/28 (52/8 is no date)
    doc = prepare("受付日 2023年5月30日\n作成日 2023/528\n")
    assert document_date(doc, "作成日")[0] == date(2023, 5, 28)
    # R5.09.03 with the last . lost
    doc = prepare("受付日 令和5年9月5日\n報告日: R05.0903\n")
    assert document_date(doc, "報告日")[0] == date(2023, 9, 3)
    # H31/2/9 or H3/12/9: the document's other dates decide
    doc = prepare("受付日 平成31年2月12日\n作成曰 H312/9\n")
    assert document_date(doc, "作成日")[0] == date(2019, 2, 9)


def test_two_readings_of_a_lost_separator_without_context_give_no_date() -> None:
    # R2/111 is R2/1/11 or R2/11/1, and nothing else in the document tells which
    doc = prepare("作成日 R2/111\n")
    assert document_date(doc, "作成日")[0] is None


def test_era_lost_from_a_numeric_date_is_read_with_context() -> None:
    doc = prepare("受付日 令和2年3月20日\n出力日 2020/03/18\n作成日 2.3.17\n")
    assert document_date(doc, "作成日")[0] == date(2020, 3, 17)
    # without any working date 令和2 and 平成2 are both possible
    assert document_date(prepare("作成日 2.3.17\n"), "作成日")[0] is None


def test_year_glued_reading_is_not_taken_where_the_year_unit_stands() -> None:
    # 2021年 ー10月分 is October 2021, never 202x January
    doc = prepare("送信日 2021年11月6日\n受付日 2021年11月2日\n提供月:2O2l年 ー10月分\n")
    assert document_date(doc, "提供月")[0] == date(2021, 10, 1)
    # 2019田10月分: 田 is the 年; the 10 after it is the month, not 201x/9
    doc = prepare("前回提供 2019/06\n提供月 20l9田1o月分\n")
    assert document_date(doc, "提供月")[0] == date(2019, 10, 1)


def test_a_year_every_working_date_contradicts_is_read_from_them() -> None:
    # 令和i７年: an inserted i makes 17 (2035); the document is from 2025
    doc = prepare("2025/06/20 09:12 FAX 0312345678 P.001/002\n受付日 令和7年6月18日\n"
                  "報告日 令和i７年6月17日\n訪問日 令和7年6月10日\n")
    assert document_date(doc, "報告日")[0] == date(2025, 6, 17)


def test_one_far_working_date_does_not_overrule_the_read_year() -> None:
    doc = prepare("作成日 2O24年7月7日\n送信日 2026年6月1日\n")
    assert document_date(doc, "作成日")[0] == date(2024, 7, 7)


def test_damaged_label_whose_own_character_is_the_qualifier_is_not_the_label() -> None:
    # 前回成日: 回 stands where 作 was lost; it is the previous plan's date
    doc = prepare("成 ２０２４年5月16日\n前回成日 令和 6年 1月 l日\n")
    assert document_date(doc, "作成日")[0] is None


def test_label_with_one_inserted_character() -> None:
    assert document_date(prepare("対象i年月　令和6年４月分\n"), "対象年月")[0] == date(2024, 4, 1)
    assert document_date(prepare("計画ｰ作成曰  2024-10-03\n"), "計画作成日")[0] == date(2024, 10, 3)


def test_space_inside_kanji_numerals_is_noise() -> None:
    assert _first("次回モニタリング予定 平成三十年十月二 十五曰") == date(2018, 10, 25)


def test_a_bound_without_its_day_does_not_exclude_the_date() -> None:
    # the next review read as October alone (its day lost) is no bound for 10月5日
    doc = prepare("作成日 2018年10申5曰\n受付日 2018年10月7日\n送信日 2018年10月9日\n"
                  "次回モニタリング予定 2018年10月 日\n")
    assert document_date(doc, "作成日")[0] == date(2018, 10, 5)


def test_a_cleanly_read_year_is_trusted_against_the_working_dates() -> None:
    # no look-alike in the field: a late-sent old record keeps its year
    doc = prepare("作成日 令和4年7月7日\n受付日 令和7年6月18日\n送信日 令和7年6月20日\n")
    assert document_date(doc, "作成日")[0] == date(2022, 7, 7)
    # a year read through a look-alike (令和i7年 → 17, 2035) is corrected by them
    doc = prepare("作成日 令和i7年6月7日\n受付日 令和7年6月18日\n送信日 令和7年6月20日\n")
    assert document_date(doc, "作成日")[0] == date(2025, 6, 7)
