"""Document type: titles, spaced titles, substrings, aliases, fallback."""

from __future__ import annotations

import pytest

from shared.resolution.engine import resolve_document
from tests.unit._resolution_fixtures import fixture_index


def _type(text: str, file_name: str = "scan.pdf") -> str | None:
    return resolve_document(text, file_name, fixture_index()).document_type_id


@pytest.mark.parametrize(
    ("text", "type_id"),
    [
        ("訪問介護計画書\n作成日 令和6年1月5日\n", "D013"),
        ("訪 問 介 護 計 画 書\n作成日 令和6年1月5日\n", "D013"),
        ("＜訪問看護計画書＞\n療養上の課題\n", "D022"),
        ("訪問看護報告書\n報告日 令和6年1月5日\n病状の経過\n", "D023"),
        ("特別訪問看護指示書\n指示期間 令和6年1月5日\n", "D021"),
        ("訪問看護指示書（控）\n指示期間 令和6年1月5日\n", "D020"),
        ("居宅サービス計画書（１）\n作成年月日 2024/1/5\n", "D005"),
        ("居宅サービス計画書（２）\n作成年月日 2024/1/5\n", "D006"),
        ("サービス提供票別表\n区分支給限度基準額\n", "D002"),
        ("サービス提供票\n提供月 令和6年5月分\n", "D001"),
        ("負担割合証\n交付年月日 令和6年4月4日\n", "D028"),
    ],
)
def test_titles(text: str, type_id: str) -> None:
    assert _type(text) == type_id


def test_title_beats_a_body_mention_of_another_type() -> None:
    text = ("訪問看護指示書\n指示期間 令和6年7月19日\n"
            "訪問看護計画書の内容に基づき実施しています。\n")
    assert _type(text) == "D020"


def test_ocr_damaged_title_still_matches() -> None:
    assert _type("訪問介護計書\n作成日 令和6年1月5日\nサービス提供責任者\n") == "D013"


def test_unknown_document_falls_back_to_mitei() -> None:
    result = resolve_document("いつもお世話になっております。\n", "memo.pdf", fixture_index())
    assert result.document_type_id is None
    assert result.document_type_name == "未判定"
