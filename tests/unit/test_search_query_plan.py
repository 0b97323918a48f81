"""Query helpers: date-range covers, cursors, request validation (pure)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from pydantic import ValidationError

from shared.search.query import (
    InvalidCursorError,
    SearchRequest,
    date_cover,
    decode_cursor,
    encode_cursor,
)


def _expand(tokens: list[str]) -> set[date]:
    days: set[date] = set()
    for token in tokens:
        parts = [int(p) for p in token.split("-")]
        start = date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
        cur = start
        while True:
            days.add(cur)
            cur += timedelta(days=1)
            if (len(parts) == 3 or (len(parts) == 2 and cur.month != start.month)
                    or (len(parts) == 1 and cur.year != start.year)):
                break
    return days


@pytest.mark.parametrize(("start", "end"), [
    (date(2024, 5, 15), date(2024, 6, 20)),
    (date(2023, 12, 31), date(2025, 1, 2)),
    (date(2024, 2, 1), date(2024, 2, 29)),
    (date(2024, 5, 1), date(2024, 5, 1)),
])
def test_date_cover_is_exactly_the_range(start: date, end: date) -> None:
    cover = date_cover(start, end)
    wanted = {start + timedelta(days=i) for i in range((end - start).days + 1)}
    assert _expand(cover) == wanted


def test_whole_year_and_month_use_coarse_tokens() -> None:
    assert date_cover(date(2024, 1, 1), date(2024, 12, 31)) == ["2024"]
    assert date_cover(date(2024, 5, 1), date(2024, 6, 30)) == ["2024-05", "2024-06"]


def test_cursor_round_trip_and_foreign_cursor_refused() -> None:
    cursor = encode_cursor(3.25, "doc-7", "abc")
    assert decode_cursor(cursor, "abc") == (3.25, "doc-7")
    with pytest.raises(InvalidCursorError):
        decode_cursor(cursor, "other")
    with pytest.raises(InvalidCursorError):
        decode_cursor("not-base64!!", "abc")


def test_request_validation() -> None:
    assert SearchRequest.model_validate({"q": "山田", "dateFrom": "2024-05-01"}).date_from == \
        date(2024, 5, 1)
    with pytest.raises(ValidationError):
        SearchRequest.model_validate({"q": "山田", "groupType": "customer"})
    with pytest.raises(ValidationError):
        SearchRequest.model_validate({"q": "x", "groupType": "clinic", "groupKey": "a"})
    with pytest.raises(ValidationError):
        SearchRequest.model_validate({"q": "x", "dateFrom": "2024-06-01",
                                      "dateTo": "2024-05-01"})
    with pytest.raises(ValidationError):
        SearchRequest.model_validate({"q": "x", "uid": "someone-else"})
