"""Answer a search: AND across words, TF-IDF ranking, date and group filters, pages.

Plan (reads stay proportional to what can match, not to the index):
1. every required token (the query's bi-grams/words/dates, and ``g:<type>:<key>`` for a
   group filter) is probed with one batched read of its shard 0, a cheap df estimate;
2. the rarest token's shards are all read: its postings are the candidates;
3. each further token (rarest first) is read only in the shards that hold candidates,
   and the candidates shrink to those it also lists (AND);
4. a date range becomes the fewest date tokens covering it (years, months, days), read
   the same way, and candidates must appear under one of them;
5. score = Σ posting score × ln(1 + N / df) over the query's text tokens, where df is the
   sum over shards (scaled up when only some shards were read) and N the number of indexed
   documents; ties go to the document id, which also makes the cursor stable.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from google.cloud import firestore
from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.grouping.ids import GROUP_TYPES
from shared.grouping.keys import UNASSIGNED
from shared.normalize import normalize_key
from shared.search.layout import (
    SHARDS,
    STATS_COLLECTION,
    shard_of,
    shard_ref,
    shards_query,
    token_id,
)
from shared.search.settings import get_search_settings
from shared.search.tokenize import date_tokens, group_token, query_tokens

_BATCH_GET = 300
MAX_DATE_COVER_TOKENS = 160
OPEN_START = date(1990, 1, 1)  # an open "from" means this (care records are not older)


class SearchRequest(BaseModel):
    """What the web client may ask (camelCase on the wire)."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    q: str = Field(default="", max_length=200)
    date_from: date | None = Field(default=None, alias="dateFrom")
    date_to: date | None = Field(default=None, alias="dateTo")
    group_type: str | None = Field(default=None, alias="groupType")
    group_key: str | None = Field(default=None, alias="groupKey", max_length=300)
    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = Field(default=None, max_length=500)

    @model_validator(mode="after")
    def _check(self) -> SearchRequest:
        if (self.group_type is None) != (self.group_key is None):
            raise ValueError("groupType and groupKey go together")
        if self.group_type is not None and self.group_type not in GROUP_TYPES:
            raise ValueError(f"groupType must be one of {', '.join(GROUP_TYPES)}")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError("dateFrom is after dateTo")
        return self


@dataclass(frozen=True)
class SearchHit:
    id: str
    score: float
    fields_mask: int


@dataclass
class SearchPage:
    hits: list[SearchHit]
    next_cursor: str | None
    total: int
    reads: int = 0  # shard documents read (for benchmarks and logs)
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)


class InvalidCursorError(ValueError):
    """The cursor does not belong to this query (or was tampered with)."""


def date_cover(start: date, end: date) -> list[str]:
    """The fewest date tokens whose documents are exactly those dated in [start, end]."""
    tokens: list[str] = []
    cur = start
    while cur <= end:
        year_end = date(cur.year, 12, 31)
        next_month = date(cur.year + (cur.month == 12), cur.month % 12 + 1, 1)
        if cur.month == 1 and cur.day == 1 and year_end <= end:
            tokens.append(f"{cur.year:04d}")
            cur = year_end + timedelta(days=1)
        elif cur.day == 1 and next_month - timedelta(days=1) <= end:
            tokens.append(date_tokens(cur)[1])
            cur = next_month
        else:
            tokens.append(date_tokens(cur)[2])
            cur += timedelta(days=1)
        if len(tokens) > MAX_DATE_COVER_TOKENS:
            raise ValueError("date range too fragmented")
    return tokens


def _query_hash(request: SearchRequest) -> str:
    body = json.dumps([request.q, str(request.date_from), str(request.date_to),
                       request.group_type, request.group_key], ensure_ascii=False)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()[:12]


def encode_cursor(score: float, doc_id: str, qhash: str) -> str:
    raw = json.dumps({"s": score, "i": doc_id, "h": qhash}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode("utf-8")).decode("ascii")


def decode_cursor(cursor: str, qhash: str) -> tuple[float, str]:
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor.encode("ascii")))
        score, doc_id, owner = float(data["s"]), str(data["i"]), str(data["h"])
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidCursorError("malformed cursor") from exc
    if owner != qhash:
        raise InvalidCursorError("cursor belongs to another query")
    return score, doc_id


class _StatsCache:
    """N (indexed documents), summed over ``_searchStats`` shards, cached briefly."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._value: tuple[float, int] | None = None

    def get(self, db: firestore.Client) -> int:
        ttl = get_search_settings().stats_cache_seconds
        with self._lock:
            if self._value and time.monotonic() - self._value[0] < ttl:
                return self._value[1]
        total = sum(int((s.to_dict() or {}).get("docs") or 0)
                    for s in db.collection(STATS_COLLECTION).stream())
        with self._lock:
            self._value = (time.monotonic(), total)
        return total

    def clear(self) -> None:
        with self._lock:
            self._value = None


STATS = _StatsCache()


@dataclass
class _TokenPostings:
    postings: dict[str, dict[str, Any]]
    df_read: int
    shards_read: int

    def df_estimate(self) -> float:
        if self.shards_read == 0:
            return 0.0
        return self.df_read * SHARDS / self.shards_read


def _read_shards(db: firestore.Client, refs: list[firestore.DocumentReference]
                 ) -> Iterable[Any]:
    for i in range(0, len(refs), _BATCH_GET):
        yield from db.get_all(refs[i : i + _BATCH_GET])


def _collect(snaps: Iterable[Any]) -> dict[str, _TokenPostings]:
    """Postings per token id from shard snapshots (missing shards count as read, empty)."""
    out: dict[str, _TokenPostings] = {}
    for snap in snaps:
        tid = snap.reference.parent.parent.id
        acc = out.setdefault(tid, _TokenPostings({}, 0, 0))
        acc.shards_read += 1
        if snap.exists:
            data = snap.to_dict() or {}
            acc.postings.update(data.get("postings") or {})
            acc.df_read += int(data.get("df") or 0)
    return out


def _group_filter_token(request: SearchRequest) -> str | None:
    if request.group_type is None or request.group_key is None:
        return None
    key = request.group_key if request.group_key == UNASSIGNED else normalize_key(
        request.group_key)
    return group_token(request.group_type, key)


def search(db: firestore.Client, request: SearchRequest,
           with_documents: bool = False) -> SearchPage:
    """One page of results for ``request`` (see the module doc for the plan)."""
    qhash = _query_hash(request)
    after = decode_cursor(request.cursor, qhash) if request.cursor else None
    text = [token_id(t) for t in query_tokens(request.q)]
    group = _group_filter_token(request)
    required = list(dict.fromkeys(text + ([token_id(group)] if group else [])))
    if not required:
        return SearchPage([], None, 0)
    reads = 0
    probe = _collect(_read_shards(db, [shard_ref(db, t, 0) for t in required]))
    reads += len(required)
    order = sorted(required, key=lambda t: (probe[t].df_read if t in probe else 0, t))

    first = order[0]
    snaps = list(shards_query(db, first).stream())
    reads += max(1, len(snaps))
    first_postings = _TokenPostings({}, 0, 0)
    for snap in snaps:
        data = snap.to_dict() or {}
        first_postings.postings.update(data.get("postings") or {})
        first_postings.df_read += int(data.get("df") or 0)
    first_postings.shards_read = SHARDS
    per_token: dict[str, _TokenPostings] = {first: first_postings}
    candidates = set(first_postings.postings)

    for tid in order[1:]:
        if not candidates:
            break
        shards = sorted({shard_of(d) for d in candidates})
        got = _collect(_read_shards(db, [shard_ref(db, tid, s) for s in shards]))
        reads += len(shards)
        tp = got.get(tid, _TokenPostings({}, 0, len(shards)))
        per_token[tid] = tp
        candidates &= set(tp.postings)

    if candidates and (request.date_from or request.date_to):
        cover = [token_id(t) for t in date_cover(
            request.date_from or OPEN_START, request.date_to or date(date.today().year + 5,
                                                                       12, 31))]
        shards = sorted({shard_of(d) for d in candidates})
        refs = [shard_ref(db, t, s) for t in cover for s in shards]
        dated: set[str] = set()
        for cover_postings in _collect(_read_shards(db, refs)).values():
            dated |= set(cover_postings.postings)
        reads += len(refs)
        candidates &= dated

    total_docs = max(STATS.get(db), 1)
    scored: list[SearchHit] = []
    for doc_id in candidates:
        score = 0.0
        mask = 0
        for tid in text:
            found = per_token.get(tid)
            posting = found.postings.get(doc_id) if found else None
            if not posting or found is None:
                continue
            df = max(found.df_estimate(), 1.0)
            score += float(posting.get("score") or 0.0) * math.log(1.0 + total_docs / df)
            mask |= int(posting.get("fieldsMask") or 0)
        scored.append(SearchHit(doc_id, round(score, 6), mask))
    scored.sort(key=lambda h: (-h.score, h.id))
    if after is not None:
        scored = [h for h in scored if (-h.score, h.id) > (-after[0], after[1])]
    page = scored[: request.limit]
    more = len(scored) > request.limit
    next_cursor = encode_cursor(page[-1].score, page[-1].id, qhash) if more and page else None
    result = SearchPage(page, next_cursor, len(candidates), reads)
    if with_documents and page:
        refs = [db.collection("documents").document(h.id) for h in page]
        for snap in db.get_all(refs):
            if snap.exists:
                result.documents[snap.id] = snap.to_dict() or {}
    return result
