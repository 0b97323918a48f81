"""The year of a document's date from the rest of the document, when OCR damaged it.

Of a date's parts the year is the one OCR loses most harmlessly to a reader and most
harmfully to a parser: 令和年10月25日, 202年9月15日, 0257月13日 still say the month and day,
and the document says the year elsewhere. A document is dated close to its working dates:
the fax header's timestamp (sent days after it was written), 受付日, 前回作成日, the next
review, the current certification period. Their median is a *centre*; month and day known,
candidate years lie 365 days apart, so the one candidate within half a year of the centre
is the year, and when none is that close there is no answer (a guess is worse than none).

Birthdays (生年月日) and any date before 平成 are not working dates and are left out.
Bounds (前回, 次回) count only with their day. The same centre also checks a date that was
read whole but through look-alikes: if it lies over a year from a centre that at least two
working dates agree on, and no previous or next date stands near it, its year is misread
(:func:`contradicted`). Only the date's page and the two pages either side are read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from shared.resolution.text import DocText

FIRST_YEAR = 1989  # 平成元年: no document this engine reads is older
LAST_YEAR = 2099
# a candidate this far from the centre is not the document's date
MAX_DISTANCE = timedelta(days=190)
PAGES_AROUND = 2  # pages either side of the date's own that give its context
# a well-formed date this far from the centre has a misread year
CONTRADICTION = timedelta(days=366)
# a line without a date unit or a separator touching a digit holds no date (a quick
# test: reading every line of a 70-page document for dates is the costly part)
_DATEISH = re.compile(r"[年月日曰]|\d\s*[/.\-]|[/.\-]\s*\d")
_BIRTH_LABELS = ("生年月日", "生年", "誕生", "年齢", "歳")
# dates months away by what they say: before the document (the previous or first plan),
# after it (the next review), or a period's bounds (a range's ends also show by its ~)
_PAST_LABELS = ("前回", "初回", "前々回")
_NEXT_LABELS = ("次回", "予定", "次期")
_PERIOD_LABELS = ("期間", "有効", "開始", "終了", "期限", "満了")


@dataclass(frozen=True, slots=True)
class DateContext:
    """What the rest of a document says about when it was written."""

    centre: date | None  # median of the working dates (fax header, 受付日, 記載日 …)
    after: date | None  # the latest date it must follow (前回作成日, 初回)
    before: date | None  # the earliest date it must precede (次回予定, 評価予定日)
    support: int = 0  # working dates within MAX_DISTANCE of the centre (agreeing)


def date_context(doc: DocText, skip_line: int | None = None) -> DateContext:
    """Working dates, and the bounds that previous and next dates set.

    With ``skip_line`` (the date's own line), only its page and the pages either side
    are read: a long file's far pages are often other documents, with other dates, and
    reading every line of seventy pages would cost more than the whole resolution."""
    from shared.resolution.dates import find_dates  # local: dates imports this module

    near: list[date] = []
    after: list[date] = []
    before: list[date] = []
    page = doc.lines[skip_line].page if skip_line is not None else None
    for i, ln in enumerate(doc.lines):
        if i == skip_line or not _DATEISH.search(ln.text):
            continue
        if page is not None and abs(ln.page - page) > PAGES_AROUND:
            continue
        for dm in find_dates(ln.text):
            if dm.value is None or dm.kind not in ("full", "month"):
                continue
            if not FIRST_YEAR <= dm.value.year <= LAST_YEAR:
                continue
            label = ln.text[max(0, dm.start - 10) : dm.start]
            if any(b in label for b in _BIRTH_LABELS):
                continue
            if any(b in label for b in _PAST_LABELS + _NEXT_LABELS):
                # a bound needs its day: 十月二 十五日 read as October alone is no bound
                if dm.kind == "full":
                    (after if any(b in label for b in _PAST_LABELS) else before).append(
                        dm.value)
            elif not any(b in label for b in _PERIOD_LABELS) and "~" not in ln.text[
                    max(0, dm.start - 3) : dm.end + 3]:
                near.append(dm.value)
    mid = centre(near)
    support = sum(abs(d - mid) <= MAX_DISTANCE for d in near) if mid is not None else 0
    return DateContext(mid, max(after, default=None), min(before, default=None), support)


def centre(dates: list[date]) -> date | None:
    """The median working date (robust to one far range end or one misread)."""
    if not dates:
        return None
    ordered = sorted(dates)
    return ordered[len(ordered) // 2]


def choose(candidates: Iterable[date], ctx: DateContext) -> date | None:
    """The candidate the context points at, or None.

    With working dates: the candidate nearest their centre, if within half a year of it.
    Without: the one candidate between the previous and the next dates; with only one of
    those, the first candidate after the previous (or last before the next) within a year;
    with neither, the candidate if there is only one.
    """
    cands = sorted(set(candidates))
    if ctx.after is not None:
        cands = [c for c in cands if c > ctx.after]
    if ctx.before is not None:
        cands = [c for c in cands if c < ctx.before]
    if not cands:
        return None
    if ctx.centre is not None:
        around = ctx.centre
        best = min(cands, key=lambda c: abs(c - around))
        return best if abs(best - around) <= MAX_DISTANCE else None
    year = timedelta(days=366)
    if ctx.after is not None and ctx.before is not None:
        return cands[0] if len(cands) == 1 else None
    if ctx.after is not None:
        return cands[0] if cands[0] - ctx.after <= year else None
    if ctx.before is not None:
        return cands[-1] if ctx.before - cands[-1] <= year else None
    # no context: only a reading that leaves one date (令和5年8日28日: a unit misread)
    return cands[0] if len(cands) == 1 else None


def contradicted(d: date, ctx: DateContext) -> bool:
    """A date more than a year from the working dates' centre: the document says another
    year (a well-formed date's year with a digit misread or inserted: 令和i7年 read as 17,
    R6|/9/19 as 61). Documents are dated within months of their working dates."""
    if ctx.centre is None or ctx.support < 2 or abs(d - ctx.centre) <= CONTRADICTION:
        return False  # one working date may itself be misread: not enough to overrule
    # a previous or next date close to the date as read speaks for it
    return not any(b is not None and abs(d - b) <= CONTRADICTION for b in (ctx.after, ctx.before))


def with_context_year(d: date, ctx: DateContext) -> date | None:
    """Month and day as read, the year the one the working dates point at (or None)."""
    if ctx.centre is None:
        return None
    cands = []
    for y in range(ctx.centre.year - 1, ctx.centre.year + 2):
        try:
            cands.append(d.replace(year=y))
        except ValueError:  # 29 February
            continue
    return choose(cands, ctx)


def years_like(digits: str) -> list[int]:
    """Four-digit years OCR could have read as ``digits``: the same, one digit lost
    (202 → 2020..2029, 025 → 2025), one inserted (20214 → 2014, 2024) or one changed.
    Empty digits: every year."""
    window = range(FIRST_YEAR, LAST_YEAR + 1)
    if not digits:
        return list(window)
    out = []
    for y in window:
        s = str(y)
        if s == digits or _one_edit(s, digits):
            out.append(y)
    return out


def _one_edit(a: str, b: str) -> bool:
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:k] + long_[k + 1 :] == short for k in range(len(long_)))
