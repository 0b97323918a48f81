"""Search over the emulator: variants match, AND across words, ranking, filters, pages."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from google.cloud import firestore

from shared.search.query import STATS, InvalidCursorError, SearchRequest, search
from tests.functions_client import deliver, written_event


def _write(db: firestore.Client, doc_id: str, data: dict[str, Any] | None) -> None:
    """Write (or delete, with ``None``) and deliver the event the write causes."""
    ref = db.collection("documents").document(doc_id)
    event = written_event(ref, ref.delete if data is None else lambda: ref.set(data))
    deliver("derived", "on_document_written", event)


def _doc(customer: str, office: str, doc_type: str, day: date, **extra: Any) -> dict[str, Any]:
    at = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return {"customerName": customer, "officeName": office, "documentType": doc_type,
            "fileDate": at, "processedAt": at, "status": "processed",
            "fileName": f"{doc_type}_{customer.replace(' ', '')}.pdf", **extra}


@pytest.fixture
def corpus(firestore_client: firestore.Client) -> firestore.Client:
    STATS.clear()
    db = firestore_client
    _write(db, "a1", _doc("山田 太郎", "ケアサポートみどり", "サービス提供票", date(2024, 5, 1)))
    _write(db, "a2", _doc("山田 太郎", "訪問看護ステーションさくら", "訪問看護報告書",
                          date(2024, 6, 10)))
    _write(db, "a3", _doc("髙橋 一郎", "ｹｱｻﾎﾟｰﾄ みどり", "サービス提供票", date(2024, 5, 20)))
    _write(db, "a4", _doc("佐藤 花子", "ケアサポートみどり", "居宅サービス計画書",
                          date(2023, 12, 1), careManager="鈴木 美香"))
    _write(db, "a5", _doc("山田 花子", "あおば介護センター", "サービス提供票", date(2024, 5, 2),
                          fileName="提供票_山田太郎様分.pdf"))
    return db


def _ids(db: firestore.Client, **query: Any) -> list[str]:
    return [h.id for h in search(db, SearchRequest.model_validate(query)).hits]


def test_kanji_variant_width_and_spacing_find_the_same_customer(corpus: firestore.Client) -> None:
    assert _ids(corpus, q="高橋一郎") == ["a3"]
    assert _ids(corpus, q="髙橋") == ["a3"]
    assert set(_ids(corpus, q="ケアサポート　ミドリ")) == {"a1", "a3", "a4"}


def test_words_are_anded(corpus: firestore.Client) -> None:
    assert set(_ids(corpus, q="山田 サービス提供票")) == {"a1", "a5"}
    assert _ids(corpus, q="山田 訪問看護") == ["a2"]
    assert _ids(corpus, q="佐藤 訪問看護") == []


def test_customer_name_match_ranks_above_file_name_match(corpus: firestore.Client) -> None:
    # a1's customer is 山田太郎; a5 mentions 山田太郎 only in its file name.
    ranked = _ids(corpus, q="山田太郎 提供票")
    assert ranked[:2] == ["a1", "a5"]


def test_date_word_and_date_range_filter(corpus: firestore.Client) -> None:
    assert set(_ids(corpus, q="2024年5月")) == {"a1", "a3", "a5"}
    assert set(_ids(corpus, q="サービス提供票", dateFrom="2024-05-02",
                    dateTo="2024-05-31")) == {"a3", "a5"}
    assert _ids(corpus, q="みどり", dateTo="2023-12-31") == ["a4"]


def test_group_filter(corpus: firestore.Client) -> None:
    assert _ids(corpus, q="みどり", groupType="careManager", groupKey="鈴木美香") == ["a4"]
    assert set(_ids(corpus, q="みどり", groupType="careManager",
                    groupKey="_unassigned")) == {"a1", "a3"}
    assert set(_ids(corpus, q="", groupType="customer", groupKey="山田 太郎")) == {"a1", "a2"}


def test_pages_cover_every_hit_once(corpus: firestore.Client) -> None:
    everything = _ids(corpus, q="2024", limit=100)
    seen: list[str] = []
    cursor = None
    while True:
        page = search(corpus, SearchRequest(q="2024", limit=2, cursor=cursor))
        seen.extend(h.id for h in page.hits)
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == everything and len(seen) == 4
    with pytest.raises(InvalidCursorError):
        search(corpus, SearchRequest(q="山田", cursor=page.next_cursor or
                                     search(corpus, SearchRequest(q="2024", limit=1)).next_cursor))


def test_deleted_and_moved_documents_leave_the_results(corpus: firestore.Client) -> None:
    _write(corpus, "a1", None)
    _write(corpus, "a3", _doc("佐藤 花子", "ケアサポートみどり", "サービス提供票",
                              date(2024, 5, 20)))
    assert _ids(corpus, q="高橋") == []
    assert set(_ids(corpus, q="山田 提供票")) == {"a5"}
    assert set(_ids(corpus, q="佐藤花子")) == {"a3", "a4"}


def test_split_parent_is_not_findable(corpus: firestore.Client) -> None:
    _write(corpus, "a2", {**_doc("山田 太郎", "訪問看護ステーションさくら", "訪問看護報告書",
                                 date(2024, 6, 10)), "status": "split"})
    assert _ids(corpus, q="訪問看護") == []
    stored = corpus.collection("documents").document("a2").get().to_dict()
    assert stored is not None and "search" not in stored
