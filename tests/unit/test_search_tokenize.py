"""Japanese tokenisation: variants meet, dates become tokens, queries AND their words."""

from __future__ import annotations

from datetime import UTC, date, datetime

from shared.search.tokenize import (
    FIELD_BITS,
    MAX_TOKENS_PER_DOCUMENT,
    document_date,
    document_postings,
    parse_date_word,
    query_tokens,
    text_tokens,
    token_hash,
)


def _doc(**extra: object) -> dict[str, object]:
    return {"customerName": "山田 太郎", "officeName": "ケアサポートみどり",
            "documentType": "サービス提供票", "fileName": "サービス提供票_山田太郎.pdf",
            "fileDate": datetime(2024, 4, 30, 15, tzinfo=UTC), **extra}


def test_width_kana_and_kanji_variants_give_the_same_tokens() -> None:
    variants = [("ｹｱｻﾎﾟｰﾄ みどり", "ケアサポートミドリ"), ("髙橋 一郎", "高橋一郎")]
    for a, b in variants:
        assert set(query_tokens(a)) <= set(text_tokens(b))
        assert set(query_tokens(b)) <= set(text_tokens(a))


def test_query_tokens_are_all_in_a_matching_document() -> None:
    postings = document_postings(_doc())
    for query in ("山田太郎", "サービス提供票", "ｻｰﾋﾞｽ", "みどり 山田", "2024年5月"):
        assert set(query_tokens(query)) <= set(postings), query


def test_query_for_other_person_needs_a_token_the_document_lacks() -> None:
    postings = document_postings(_doc())
    assert not set(query_tokens("佐藤花子")) <= set(postings)


def test_file_date_gives_year_month_day_tokens_in_japan_time() -> None:
    # 2024-04-30T15:00Z is 2024-05-01 00:00 in Japan.
    assert document_date(_doc()) == date(2024, 5, 1)
    postings = document_postings(_doc())
    for token in ("2024", "2024-05", "2024-05-01"):
        assert postings[token].fields_mask & FIELD_BITS["date"]


def test_fields_mask_records_every_field_a_token_occurs_in() -> None:
    postings = document_postings(_doc())
    assert postings["山田"].fields_mask == FIELD_BITS["customerName"] | FIELD_BITS["fileName"]
    assert postings["提供"].fields_mask == FIELD_BITS["documentType"] | FIELD_BITS["fileName"]


def test_customer_name_outweighs_file_name() -> None:
    postings = document_postings({"customerName": "山田 太郎", "fileName": "佐藤花子.pdf"})
    assert postings["山田"].score > postings["佐藤"].score


def test_furigana_makes_the_reading_findable() -> None:
    postings = document_postings(_doc(), furigana="ヤマダ タロウ")
    assert set(query_tokens("やまだたろう")) <= set(postings)


def test_date_words_in_queries() -> None:
    assert parse_date_word("2024") == "2024"
    assert parse_date_word("２０２４年５月") == "2024-05"
    assert parse_date_word("2024/5/1") == "2024-05-01"
    assert parse_date_word("2024-02-30") is None
    assert parse_date_word("山田") is None


def test_ocr_text_is_capped_and_bounded() -> None:
    ocr = "".join(chr(0x4E00 + i) for i in range(3000))
    postings = document_postings(_doc(ocrResult=ocr), include_ocr=True, ocr_cap=5000)
    assert len(postings) <= MAX_TOKENS_PER_DOCUMENT
    capped = document_postings(_doc(ocrResult=ocr), include_ocr=True, ocr_cap=10)
    assert len(capped) < len(document_postings(_doc())) + 20


def test_hash_changes_with_content_only() -> None:
    a = document_postings(_doc())
    assert token_hash(a, date(2024, 5, 1)) == token_hash(dict(reversed(a.items())),
                                                         date(2024, 5, 1))
    assert token_hash(a, date(2024, 5, 1)) != token_hash(a, date(2024, 5, 2))
