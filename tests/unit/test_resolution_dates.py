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
