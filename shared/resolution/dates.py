"""Dates in Japanese documents, and the one that dates the document.

A document holds many dates: birthdays (生年月日 S23.1.19), validity ranges (認定有効期間),
the previous plan's date (前回作成日), fax header timestamps. The document's own date is the
one under its type's ``dateMarker`` (作成日, 提供月, 交付年月日 …), so that label is looked
for first, and a date is read from right after it. Formats: Western (2024年5月1日,
2024/5/1, 2024-05-01), Japanese eras (令和6年5月1日, 令和元年, R6.5.1, R6/5/1, H31.4.30),
full-width and kanji numerals (令和六年五月一日), and months (2024年5月分 → the 1st).
Impossible dates (2月30日) are rejected, and a blank form field (年　月　日) means no date:
guessing a day is worse than leaving it empty.

OCR damage is read, not guessed: digit look-alikes (O/〇→0, l/I/|/丨→1, S→5, B→8) and
unit look-alikes (曰→日) where digits surround them, labels matched with their OCR
look-alikes (作成曰 is 作成日). When the field under the label cannot be read strictly, it
is read loosely (one unit misread, the year short, long or glued to the month, a day
without its 日) and its year is taken from the rest of the document
(:mod:`shared.resolution.date_context`): the working dates' centre, or the previous and
next dates as bounds. A day or month that is lost is never filled in.

What a damaged field may still say, and what it may not:

- katakana for kanji numerals (十ー月, ニ月) and two look-alikes making a whole month or
  day (年lO月, 月 Io日) are read; a label may also carry one inserted character (対象i年月).
- a numeric date with one separator lost (20252/11, R2/424, 2023/528, R05.0903) is cut
  where a valid month and day result; of several cuts the document's dates choose, and
  with no context only a single valid cut is taken. A lost era (2.3.17) is 令和 or 平成,
  chosen the same way. With a unit already damaged, a four-digit year is taken as read.
- a mark beside a single-digit day (月ﾟ7日) may be a digit OCR turned into a mark:
  the day is unreadable, not guessed (between two digits, 2,5日, a mark is noise).
- a well-formed date read through look-alikes whose year contradicts the document's
  agreeing working dates by over a year (令和i7年 → 17) keeps its month and day and takes
  the year they point at, or gives no date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from shared.normalize import CONFUSABLES
from shared.resolution.date_context import (
    DateContext,
    choose,
    contradicted,
    date_context,
    with_context_year,
    years_like,
)
from shared.resolution.text import DocText, Line

ERA_BASE = {"令和": 2018, "平成": 1988, "昭和": 1925, "大正": 1911, "明治": 1867,
            "和": 2018, "成": 1988}
ERA_LETTER = {"R": "令和", "H": "平成", "S": "昭和", "T": "大正", "M": "明治"}

# Markers are often preceded by a qualifier that makes them another date.
_NOT_THIS = ("前回", "初回", "次回", "前々回", "最終", "次期", "終了", "開始", "回")

_KANJI_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6,
                 "七": 7, "八": 8, "九": 9}
_KANJI_NUM = re.compile(r"[〇零一二三四五六七八九十ニー]+(?=\s*[年月日曰])|元(?=\s*年)")
# katakana OCR gives for kanji numerals (十ー月 is 十一月, ニ月 is 二月); read as numerals
# only inside a run with a real numeral, or ニ alone right after a date unit
_KANA_NI = re.compile(r"(?<=[〇一二三四五六七八九十年月])ニ(?=[〇一二三四五六七八九十]*[月日曰])")
_KANA_FOR_KANJI = str.maketrans({"ニ": "二", "ー": "一"})
# OCR letters for digits, replaced only between digits and date separators.
_DIGIT_LOOKALIKES = {"O": "0", "o": "0", "D": "0", "Q": "0", "〇": "0", "l": "1", "I": "1",
                     "|": "1", "丨": "1", "i": "1", "!": "1", "Z": "2", "S": "5", "B": "8",
                     "b": "6", "g": "9", "q": "9"}
_SEP = set("/.-年月日")
# look-alikes of the date units, read as the unit only where digits surround them
_UNIT_LOOKALIKES = {"曰": "日", "目": "日", "冃": "月", "円": "月"}
# marks OCR scatters inside numbers (2,5日 → 25日, 令和。元年 → 令和元年)
_NOISE_MARKS = "。、,・゚ﾞ\u3099'′`丶"  # U+3099: ﾞ after NFKC
# a mark beside a day's only digit (月ﾟ7日, 2023/08/3ﾟ): OCR inserts marks and also turns
# digits into them, so the day may be 7 or 17..37: unreadable, never guessed
_MARK_BY_LONE_DAY = re.compile(
    rf"(?<=[月/.\-])[{re.escape(_NOISE_MARKS)}_]\d(?=[日曰]|\s|$)"
    rf"|(?<=[月/.\-])\d[{re.escape(_NOISE_MARKS)}_](?=[日曰]|\s|$)")
_DATE_CHAR = r"[\d年月日和成正治/.\-元〇一二三四五六七八九十]"
_NOISE_IN_DATE = re.compile(
    rf"(?<={_DATE_CHAR})[\s{_NOISE_MARKS}]+(?!\d{{1,2}}:)(?={_DATE_CHAR}|[SOolIB|](?=[\d年月日]))"
)  # never glue a time to a date (2024/09/18 08:08 is not 2024/09/1808:08)
# one stray character (not a digit, separator, unit or look-alike) between date characters
_STRAY_IN_DATE = re.compile(
    r"(?<=[\d年月/.\-])[^\w\s/.\-~:()]|(?<=[\d年月/.\-])[ぁ-ゖァ-ヺ冫亅丶](?=[\d年月日/.\-])"
    r"|(?<=[年月/.\-])[ー一](?=\d)"
    r"|(?<=[年月])[~_`\-](?=\d)|(?<=\d)[~_`\-](?=[年月日])"
    r"|(?<=[年月/.\-])\s[ー一](?=\d)|(?<=\d)_(?=\d)|(?<=[和成])[~_`](?=\s?\d)"
)

_S = r"\s*"
# 和 / 成 alone: the era's first character lost to OCR; read as 令和 / 平成, the eras a
# document's own date can be in (a 昭和 date of that form would be before 1934).
_ERA = r"(?P<era>令和|平成|昭和|大正|明治|令[^\d\s年月日]?|平[^\d\s年月日]?|和|成)"
_PATTERNS = [
    ("era_full", re.compile(
        _ERA + _S + r"(?P<y>\d{1,2})" + _S + "年" + _S + r"(?P<m>\d{1,2})" + _S + "月" + _S
        + r"(?P<d>\d{1,2})" + _S + "日")),
    ("ad_full", re.compile(
        r"(?P<y>\d{4})" + _S + "年" + _S + r"(?P<m>\d{1,2})" + _S + "月" + _S
        + r"(?P<d>\d{1,2})" + _S + "日")),
    ("ad_full", re.compile(  # 年 lost: 20195月30日
        r"(?<!\d)(?P<y>(?:19|20)\d{2})(?P<m>\d{1,2})" + _S + "月" + _S + r"(?P<d>\d{1,2})" + _S
        + "日")),
    ("abbr_full", re.compile(
        r"(?<![A-Za-z])(?P<el>[RHSTM])" + _S + r"(?P<y>\d{1,2})" + _S + r"[./\-]" + _S
        + r"(?P<m>\d{1,2})" + _S + r"[./\-]" + _S + r"(?P<d>\d{1,2})(?!\d)")),
    ("ad_num", re.compile(
        r"(?<!\d)(?P<y>\d{4})" + _S + r"(?P<s>[./\-])" + _S + r"(?P<m>\d{1,2})" + _S
        + r"(?P=s)" + _S + r"(?P<d>\d{1,2})(?!\d)")),
    ("us_num", re.compile(r"(?<!\d)(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{4})(?!\d)")),
    ("era_month", re.compile(
        _ERA + _S + r"(?P<y>\d{1,2})" + _S + "年" + _S + r"(?P<m>\d{1,2})" + _S + "月")),
    ("ad_month", re.compile(r"(?P<y>\d{4})" + _S + "年" + _S + r"(?P<m>\d{1,2})" + _S + "月")),
    ("abbr_month", re.compile(
        r"(?<![A-Za-z])(?P<el>[RHSTM])" + _S + r"(?P<y>\d{1,2})" + _S + r"[./\-]" + _S
        + r"(?P<m>\d{1,2})(?!\d)(?!" + _S + r"[./\-]" + _S + r"\d)")),
    ("ad_num_month", re.compile(
        r"(?<!\d)(?P<y>\d{4})" + _S + r"[./\-]" + _S + r"(?P<m>\d{1,2})(?!\d)(?!" + _S
        + r"[./\-]" + _S + r"\d)")),
    # a blank form field: 年　月　日 with room left for the numbers (not the label 年月日)
    ("blank", re.compile(r"(?:令和|平成)?\s*年(?:\s+月\s*|\s*月\s+)日")),
]


@dataclass(frozen=True, slots=True)
class DateMention:
    value: date | None  # None: a blank or impossible date
    start: int
    end: int
    kind: str  # full | month | blank | invalid | us


def _kanji_number(s: str) -> int:
    if s == "元":
        return 1
    if "十" in s:
        tens, _, ones = s.partition("十")
        t = _KANJI_DIGITS.get(tens, 1) if tens else 1
        o = _KANJI_DIGITS.get(ones, 0) if ones else 0
        return t * 10 + o
    return int("".join(str(_KANJI_DIGITS[c]) for c in s))


_ANY_LOOKALIKE = re.compile(
    "[" + re.escape("".join(_DIGIT_LOOKALIKES) + "".join(_UNIT_LOOKALIKES)) + "]")


def _kanji_run(m: re.Match[str]) -> str:
    run = m.group(0)
    if run != "元" and not (set(run) - set("ニー")):
        before = m.string[m.start() - 1 : m.start()]
        if run != "ニ" or before not in ("年", "月"):
            return run  # a dash or a katakana, not a number
    if run != "元" and len(run) > 1 and run.replace("十", "") and "十" not in run and (
            set(run) & set("ニー")):
        return run  # 一ー二 without 十: not a numeral the documents write
    return str(_kanji_number(run.translate(_KANA_FOR_KANJI)))


def _lookalikes(text: str) -> str:
    if not _ANY_LOOKALIKE.search(text):
        return text  # most lines: nothing to read
    chars = list(text)
    for i, ch in enumerate(chars):
        prev = chars[i - 1] if i > 0 else ""
        j = i + 1
        while j < len(chars) - 1 and chars[j] in _NOISE_MARKS:
            j += 1  # 2021/O・9: the mark is dropped later, the 9 is the neighbour
        nxt = chars[j] if j < len(chars) else ""
        unit = _UNIT_LOOKALIKES.get(ch)
        if unit is not None and prev.isdigit():
            chars[i] = unit
            continue
        rep = _DIGIT_LOOKALIKES.get(ch)
        if rep is None:
            continue
        if ch == "S" and not (prev.isdigit() or prev in "年月和成/.-"):
            continue  # S23.1.19 is 昭和, not a 5
        near_digit = prev.isdigit() or nxt.isdigit()
        between_units = prev in _SEP and nxt in _SEP
        prev_ok = (prev.isdigit() or prev in _SEP or prev in "RHSTM和成"
                   or (prev == " " and (nxt.isdigit() or nxt in "年月日")))
        nxt_ok = (nxt.isdigit() or nxt in _SEP or nxt in _UNIT_LOOKALIKES
                  or ((prev.isdigit() or prev in "/.-") and (nxt in " ~)" or not nxt)))
        if (prev in "/.-" and i >= 2 and chars[i - 2].isdigit() and not nxt
                and rep != "1"):
            # R6/9/B: the day's only digit, ending the text (not l | I: a table's rule)
            near_digit = True
        if prev == " " and nxt in "年月日":
            near_digit = True  # 令和 S年: the year's only digit
        if (near_digit or between_units) and prev_ok and nxt_ok:
            chars[i] = rep
    return "".join(chars)


_LOOKALIKE_RUN = re.compile(
    r"(?<![A-Za-z])(?!S\d)[0-9OoDQlI|丨i!ZSBbgq]{3,}(?![A-Za-z])"
    r"|(?<=[和成令])[lIi|丨SOo](?=\s?年)|(?<=(?<![A-Za-z])R)[lIi|丨SOo](?=[./\-])"
)
# two look-alikes making a whole month or day after a date unit (年lO月, 月 Io日, /Ol)
_LOOKALIKE_PAIR = re.compile(
    r"(?<=\d[年月/.\-])(\s?)([0-9OoDQlI|丨i!ZSBbgq]{2})(?=[月日曰]|\s|$)"
    r"|(?<=[年月])(\s?)([0-9OoDQlI|丨i!ZSBbgq]{2})(?=[月日曰])")


def _digit_run(m: re.Match[str]) -> str:
    run = m.group(0)
    if len(run) > 1 and sum(ch.isdigit() for ch in run) < 2:
        return run  # a word, not a number with a misread digit
    return "".join(_DIGIT_LOOKALIKES.get(ch, ch) for ch in run)


def date_view(text: str) -> str:
    """Text with kanji numerals before 年月日 in digits, 元年 as 1年, and OCR letters
    between digits read as digits (2O24/l/5 → 2024/1/5). Same length is not kept.

    Look-alikes are read before stray marks are dropped: a ``|`` next to a digit is far
    more often a lost ``1`` than noise (令和6年|1月 is November, not January)."""
    text = _KANA_NI.sub("二", text)
    text = _LOOKALIKE_RUN.sub(_digit_run, text)
    text = _lookalikes(_LOOKALIKE_PAIR.sub(
        lambda m: (m.group(1) or m.group(3) or "") + "".join(
            _DIGIT_LOOKALIKES.get(c, c) for c in m.group(2) or m.group(4)), text))
    text = _MARK_BY_LONE_DAY.sub("X", text)  # the day unreadable
    text = _NOISE_IN_DATE.sub("", text)
    text = _STRAY_IN_DATE.sub("", text)
    text = _KANJI_NUM.sub(_kanji_run, text)
    return _lookalikes(text)


def _make(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def find_dates(text: str) -> list[DateMention]:
    """Every date in one line of normalised text, left to right, without overlaps."""
    view = date_view(text)
    found: list[DateMention] = []
    taken: list[tuple[int, int]] = []
    for kind, rx in _PATTERNS:
        for m in rx.finditer(view):
            s, e = m.span()
            if any(s < te and ts < e for ts, te in taken):
                continue
            g = m.groupdict()
            value: date | None
            if kind == "blank":
                value, out_kind = None, "blank"
            else:
                y = int(g["y"])
                era = g.get("era") or (ERA_LETTER.get(g["el"]) if g.get("el") else None)
                if era:
                    y += ERA_BASE.get(era, ERA_BASE["令和" if era[0] in "令和" else "平成"])
                day = int(g["d"]) if g.get("d") else 1
                value = _make(y, int(g["m"]), day)
                if value is None:
                    out_kind = "invalid"
                elif kind == "us_num":
                    out_kind = "us"
                else:
                    out_kind = "month" if "month" in kind else "full"
            taken.append((s, e))
            found.append(DateMention(value, s, e, out_kind))
    found.sort(key=lambda d: d.start)
    return found


@dataclass(frozen=True, slots=True)
class MarkerHit:
    line: int  # index into DocText.lines
    end: int  # position in the line's text just after the marker
    rank: int  # 0 clean label, 1 inside a longer label, 2 OCR-damaged label

    @property
    def exact(self) -> bool:
        return self.rank < 2


_GAP = r"[\s" + re.escape(_NOISE_MARKS + "-~_`") + r"]*"
_KANJI = re.compile(r"[一-龥々]")


# date-label characters OCR swaps for look-alikes (作成曰, 提供冃), besides CONFUSABLES
_LABEL_LOOKALIKES = ("日曰目", "月冃円", "年午")


def _char_class(c: str) -> str:
    """A character of a label as a regex class of itself and its OCR look-alikes."""
    alike = {c}
    for group in (*CONFUSABLES, *_LABEL_LOOKALIKES):
        if c in group:
            alike.update(ch for ch in group if not ch.isascii() or not ch.isalnum())
    if len(alike) == 1:
        return re.escape(c)
    return "[" + "".join(re.escape(ch) for ch in sorted(alike)) + "]"


def _marker_regex(marker: str) -> re.Pattern[str]:
    return re.compile(_GAP.join(_char_class(c) for c in marker))


def _before(text: str, start: int) -> str:
    return re.sub(r"[\s" + re.escape(_NOISE_MARKS) + r"]", "", text[max(0, start - 8) : start])


def _qualified(text: str, start: int) -> bool:
    before = _before(text, start)
    return any(before.endswith(q) for q in _NOT_THIS)


def _rank(text: str, start: int, damaged: bool, end: int | None = None) -> int | None:
    """None for a qualified label (前回作成日); else how much to trust the hit. A damaged
    hit's own characters may be the qualifier (前回成日: 回 taken for the lost 作)."""
    if _qualified(text, start):
        return None
    if damaged:
        if any(q in text[: end or start] for q in _NOT_THIS[:4]):
            return None
        return 2
    before = _before(text, start)
    # 計画作成日 for the marker 作成日: the marker is the tail of a longer label
    return 1 if before and _KANJI.match(before[-1]) else 0


def find_markers(doc: DocText, marker: str) -> list[MarkerHit]:
    """Where the marker label stands, best first (never as 前回作成日 etc.). If OCR lost
    or changed one of its characters (作日, 作成曰), a one-character variant of a marker of
    three or more characters is accepted, but only where the exact marker appears nowhere."""
    if not marker:
        return []
    rx = _marker_regex(marker)
    hits: list[MarkerHit] = []
    for i, ln in enumerate(doc.lines):
        for m in rx.finditer(ln.text):
            r = _rank(ln.text, m.start(), damaged=False)
            if r is not None:
                hits.append(MarkerHit(i, m.end(), r))
    if len(marker) >= 3:
        variants: list[re.Pattern[str]] = []
        for k in range(len(marker)):
            variants.append(_marker_regex(marker[:k] + marker[k + 1 :]))  # one lost
            variants.append(re.compile(
                _GAP.join([*(_char_class(c) for c in marker[:k]), "[^\\s\\d]",
                           *(_char_class(c) for c in marker[k + 1 :])])))  # one changed
            if k:
                variants.append(re.compile(
                    _GAP.join([*(_char_class(c) for c in marker[:k]), "[^\\s\\d]",
                               *(_char_class(c) for c in marker[k:])])))  # one inserted
        for i, ln in enumerate(doc.lines):
            for v in variants:
                vm = v.search(ln.text)
                if vm:
                    r = _rank(ln.text, vm.start(), damaged=True, end=vm.end())
                    if r is not None:
                        hits.append(MarkerHit(i, vm.end(), r))
                        break
    # a clean label first, then an OCR-damaged one, then the tail of a longer label
    order = {0: 0, 2: 1, 1: 2}
    seen: set[int] = set()
    out = []
    for h in sorted(hits, key=lambda h: (order[h.rank], h.line)):
        if h.line not in seen:
            seen.add(h.line)
            out.append(h)
    return out


def date_after(doc: DocText, hit: MarkerHit, window: int = 30) -> DateMention | None:
    """The date right after a marker, on its line or at the start of the next line.

    A mention of kind ``invalid`` means something date-like stood there but could not be
    read (a digit or unit lost): the caller then stops rather than take another date."""
    line = doc.lines[hit.line]
    rest = line.text[hit.end :]
    view = date_view(rest)
    for dm in find_dates(rest):
        # the first date only, and only if no other number stands before it (a damaged
        # date is not replaced by the end of a range that follows it)
        if dm.start <= window and dm.kind != "us" and not re.search(r"\d", view[: dm.start]):
            return dm
        break
    head = re.sub(r"[\s:：]", "", view)[:12]
    if len(re.findall(r"\d", head)) >= 3:
        return DateMention(None, 0, 0, "invalid")
    if not re.sub(r"[\s:：]", "", rest) and hit.line + 1 < len(doc.lines):
        nxt = doc.lines[hit.line + 1]
        for dm in find_dates(nxt.text):
            if dm.start <= 4:
                return dm
            break
    return None


def _month_ok(marker: str) -> bool:
    return "月" in marker and "日" not in marker


def _plausible(d: date) -> bool:
    # a document's own date: not before 平成 (1989), not in the next century
    return 1989 <= d.year <= 2099


_LOOSE_ERA = re.compile(r"^(?:(?P<era>令和|平成|令|平|和|成)|(?P<el>[RH])(?=\s*\d))")
_LOOSE_TOKEN = re.compile(r"\d+|[^\d\s]")
_NUM_SEP = "/.-"


def _field_text_raw(doc: DocText, hit: MarkerHit) -> str:
    rest = doc.lines[hit.line].text[hit.end :]
    if len(re.sub(r"[\s:：" + re.escape(_NOISE_MARKS) + r"]", "", rest)) <= 1 and (
        hit.line + 1 < len(doc.lines)
    ):
        rest = doc.lines[hit.line + 1].text
    return rest[:24]


def _field_text(doc: DocText, hit: MarkerHit) -> str:
    """What stands in the marker's field: the rest of its line up to a range's ``~``, or
    the next line when the label stands alone (a damaged label's last character aside)."""
    rest = doc.lines[hit.line].text[hit.end :]
    if len(re.sub(r"[\s:：" + re.escape(_NOISE_MARKS) + r"]", "", rest)) <= 1 and (
        hit.line + 1 < len(doc.lines)
    ):
        rest = doc.lines[hit.line + 1].text
    # a range ends the field at its ~ (after a date's last digit or unit; 令和~5年 is a
    # stray mark, not a range)
    view = re.split(r"(?<=[\d日曰)分])\s?~", date_view(rest))[0]
    # up to two leading characters that are not date text (:, the rest of a damaged label)
    view = re.sub(r"^[\s:：]*(?:[^\d\s令平和成RH][\s:：]*){0,2}", "", view)
    return view[:24]


def _year_candidates(era: str | None, digits: str) -> list[int]:
    if era is not None:
        base = ERA_BASE.get(era, ERA_BASE["令和" if era[0] in "令和R" else "平成"])
        if digits and len(digits) <= 2 and int(digits) >= 1:
            return [base + int(digits)]
        last = 2099 - base if base == ERA_BASE["令和"] else 31
        return [base + k for k in range(1, last + 1)]
    if digits and len(digits) <= 2 and int(digits) >= 1:
        # an era year whose era OCR lost (2.3.17 for R2.3.17): 令和 or 平成, as context says
        return [ERA_BASE["令和"] + int(digits), ERA_BASE["平成"] + int(digits)]
    return years_like(digits)


def _readings(field: str, month_only: bool) -> list[tuple[str | None, str, int, int, bool]]:
    """(era, year digits, month, day) readings of a damaged field: one unit may be any
    other character (令和5年12士分, 8日28日), the year may be short or long (202年,
    20214/5/7) or glued to the month with its 年 lost (0257月13日), and a day may end the
    field without its 日. Two damaged units are too many: no reading."""
    m = _LOOSE_ERA.match(field)
    era: str | None = None
    if m:
        era = m.group("era") or ERA_LETTER[m.group("el")]
        field = re.sub(r"^[^\d年]?(?=\d)", "", field[m.end() :])  # 令和冫4年: one stray
    toks = _LOOSE_TOKEN.findall(field)[:8]
    out: list[tuple[str | None, str, int, int, bool]] = []

    def tok(i: int) -> str:
        return toks[i] if i < len(toks) else ""

    def num(i: int, width: int = 2) -> bool:
        return tok(i).isdigit() and len(tok(i)) <= width

    def damage(i: int, unit: str, optional: bool = False) -> int | None:
        """0: the unit (or a numeric separator), 1: another character, None: a digit."""
        t = tok(i)
        if not t:
            return 0 if optional else None
        if t.isdigit():
            return None
        return 0 if t == unit or t in _NUM_SEP or (optional and t == "(") else 1

    def add(digits: str, month: int, day: int, *marks: int | None) -> None:
        if all(d is not None for d in marks) and sum(d or 0 for d in marks) <= 1:
            # a unit or separator damaged: a four-digit year beside it is taken as read
            # (one damage per field; a misread year as well would be two)
            exact = sum(d or 0 for d in marks) == 1 and len(digits) == 4
            out.append((era, digits, month, day, exact))

    def sep(i: int) -> bool:
        return tok(i) != "" and tok(i) in _NUM_SEP

    def splits(run: str, first: int) -> list[tuple[str, int]]:
        """A run of digits whose separator OCR lost (20252 → 2025 and 2, 424 → 4 and
        24), cut into a head of ``first`` digits (0: one or two) and a tail of 1-2."""
        heads = (first,) if first else (1, 2)
        return [(run[:h], int(run[h:])) for h in heads if 0 < len(run) - h <= 2]

    if month_only:
        if num(0, 5) and num(2) and not (sep(3) and tok(4).isdigit()):
            add(toks[0], int(toks[2]), 1, damage(1, "年"), damage(3, "月", optional=True))
        if num(1):
            add("", int(toks[1]), 1, damage(0, "年"), damage(2, "月", optional=True))
        run = tok(0)
        # 年 lost: 20227月分 (not when 年 stands there: 2021年 10月 is no 202年1月)
        if (run.isdigit() and (3 if era is None else 2) <= len(run) <= 7 and tok(1) != "年"
                and not tok(2).isdigit()):
            for k in (1, 2):
                add(run[:-k], int(run[-k:]), 1, damage(1, "月"))
        return out
    if num(0, 5) and num(2) and num(4) and not (sep(5) and tok(6).isdigit()):
        add(toks[0], int(toks[2]), int(toks[4]),
            damage(1, "年"), damage(3, "月"), damage(5, "日", optional=True))
    if num(1) and num(3):  # the year lost: 令和年10月25日
        add("", int(toks[1]), int(toks[3]),
            damage(0, "年"), damage(2, "月"), damage(4, "日", optional=True))
    run = tok(0)
    if (run.isdigit() and (3 if era is None else 2) <= len(run) <= 7 and num(2)
            and tok(1) not in _NUM_SEP and tok(1) != "年" and not (sep(3) and tok(4).isdigit())):
        for k in (1, 2):  # 年 lost, the year glued to the month: 0257月13日
            add(run[:-k], int(run[-k:]), int(toks[2]),
                damage(1, "月"), damage(3, "日", optional=True))
    # a numeric date with one separator lost: 20252/11, H312/9, 2023/528, R2/424
    if run.isdigit() and sep(1) and num(2) and not tok(3).isdigit() and not sep(3):
        for head, month in splits(run, 0 if era else 4):
            add(head, month, int(toks[2]), 1)
    if num(0, 4) and sep(1) and tok(2).isdigit() and len(tok(2)) in (3, 4) and not sep(3) \
            and not tok(3).isdigit():
        for month_s, day in splits(tok(2), 0):
            add(run, int(month_s), day, 1)
    return out


def _loose_date(doc: DocText, hit: MarkerHit, marker: str, ctx: DateContext) -> date | None:
    """A damaged field read with the document's other dates as evidence for its year:
    of every reading's candidate dates, the one nearest the working dates' centre."""
    field = _field_text(doc, hit)
    if not re.search(r"\d", field):
        return None
    candidates: list[date] = []
    for era, digits, month, day, exact in _readings(field, _month_ok(marker)):
        if not (1 <= month <= 12 and 1 <= day <= 31):
            continue
        for y in [int(digits)] if exact else _year_candidates(era, digits):
            d = _make(y, month, day)
            if d is not None:
                candidates.append(d)
    return choose(candidates, ctx)


def _read_through_damage(doc: DocText, hit: MarkerHit) -> bool:
    """Whether the field was read through look-alikes or marks (令和i7年): only such a
    date's year is checked against the document's other dates (a clean one is trusted,
    and the check, which reads every line, is spared)."""
    raw = _field_text_raw(doc, hit)
    return date_view(raw) != _KANJI_NUM.sub(_kanji_run, raw)  # kanji numerals are no damage


def document_date(doc: DocText, marker: str) -> tuple[date | None, float]:
    """The document's date under its marker, and a confidence in [0, 1].

    A marker followed by a blank field gives (None, high): the document states no date.
    No marker anywhere gives (None, low). A month (提供月 2024年5月分) gives the 1st.
    When the best-placed marker is followed by a date that cannot be read, the answer is
    None: another label's date would be a guess.
    """
    hits = find_markers(doc, marker)
    if not hits:
        return None, 0.2
    saw_blank = False
    context: list[DateContext] = []

    def around() -> DateContext:  # computed once, only when a field is damaged
        if not context:
            context.append(date_context(doc, skip_line=hits[0].line))
        return context[0]

    for hit in hits:
        dm = date_after(doc, hit)
        if dm is not None and dm.kind == "blank":
            saw_blank = True
            continue
        if (dm is not None and dm.value is not None and _plausible(dm.value)
                and (dm.kind != "month" or _month_ok(marker))):
            if _read_through_damage(doc, hit) and contradicted(dm.value, around()):
                # the year is misread (令和i7年): month and day as read, the year from
                # the working dates, or no date
                fixed = with_context_year(dm.value, around())
                return fixed, 0.5 if fixed is not None else 0.3
            return dm.value, (0.95 if hit.rank == 0 else 0.75)
        # nothing readable, or a digit or unit lost: read the field loosely, the year
        # from the document's other dates
        loose = _loose_date(doc, hit, marker, around())
        if loose is not None:
            return loose, 0.6
        if dm is None or hit.rank == 2:
            continue  # a damaged label may be another word (発生場所 for 発生日)
        return None, 0.3
    return None, 0.8 if saw_blank else 0.3


def all_dates(lines: list[Line]) -> list[DateMention]:
    """Every date on the given lines (for context: fax headers, other labels)."""
    out: list[DateMention] = []
    for ln in lines:
        out.extend(find_dates(ln.text))
    return out
