"""Whose document it is: the customer (利用者), with evidence and a calibrated score.

Where names are read, and how much each place is worth:

- after a customer label (利用者氏名, 氏名, 患者氏名, お客様名 …): the strongest place.
  A name cut by a line break (患者氏名 中山 / 初江 殿), interleaved with other fields
  (利用者 田 生年月日 … / 中勝子様) or written one character per line is joined from the
  lines that follow;
- before 様 / 殿 elsewhere (a cover sheet's 件名, a greeting);
- a furigana line (フリガナ, or a kana-only line just above a name) against the readings;
- the file name (サービス実施記録_渡邉様_R5.10.pdf).

A name next to a family or staff word (長男の妻, 緊急連絡先, 担当, 介護支援専門員 …) is
someone else, and counts little. Every name is aligned against the region as a whole
(:mod:`shared.resolution.fuzzy`), so 2–5 character names survive an OCR error; a name
that is only the beginning of a longer name in the text (髙橋登 in 髙橋登美子) is
penalised, as a name must end at a boundary.

OCR damages the fields themselves, so each is read tolerantly: a label with a speck inside
(利丶用者) or one OCR error (利メ者名, お様名 — the last character, which says what the field
is, must be there), a label's leftover before its colon (利用者氏:), a broken birth-date
label (生年月"日) ending the name, a name cut into three parts before 様, and a furigana label
or reading line with a kanji look-alike (フりガlナ, ヒ口セウメ).

Same-name people (同姓同名) come from the master list (:class:`MasterIndex`); among them
nothing is confirmed, and whenever any member matches, even weakly, every member is listed
(within the first five when nothing is confirmed), ordered by what might separate them
(the care manager named in the text, the reading, a birth date when the master has one).
The same evidence orders people whose damaged names match equally; it never confirms.
A best candidate ahead on the name itself by a wide lead, and not behind on the reading,
is confirmed even when a shared reading (ちえこ) brings another close in total.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from shared.normalize import CONFUSABLES, normalize_text, to_hiragana
from shared.resolution.config import ResolutionConfig
from shared.resolution.fuzzy import NAME_CONFUSABLE_COST, Alignment, align
from shared.resolution.index import CustomerEntry, MasterIndex, bigrams
from shared.resolution.text import DocText, Line

_LABEL_WORDS = (
    "ご利用者様氏名", "ご利用者様名", "ご利用者様", "ご利用者氏名", "ご利用者名", "ご利用者",
    "利用者氏名", "利用者名", "利用者", "お客様氏名", "お客様名", "患者氏名", "患者名",
    "被保険者氏名", "被保険者名", "本人氏名", "対象者氏名", "対象者名", "氏名", "お名前", "名前",
)


# what OCR and layout put inside a label (利 用 者, 利丶用者, ご利`用者): one at most
# between two characters
_LABEL_GAP = r"(?:[^\w]|[A-Za-z]|[丶丿亅冫丨])?"


def _spaced(word: str) -> str:
    return _LABEL_GAP.join(re.escape(c) for c in word)


# after the label: a colon or 様, possibly behind one character left of a longer label
# that OCR cut (利用者氏:山下寿子 is 利用者氏名:)
_LABEL = re.compile(
    "(?:" + "|".join(_spaced(w) for w in _LABEL_WORDS) + r")\s*(?:[^\s:：]?[:：]\s*|様\s*)?"
)
_HONORIFIC = re.compile(r"(様|殿|さん)")
_LEADING_MARKS = re.compile(r"^[\s、。,.・'\"`_~\-:：]+")
_KANJI = re.compile(r"[一-龥々〆ヵヶ]")
# matched on the line with katakana folded to hiragana (フりガナ is ふりがな), a stray mark
# allowed between letters (フリガlナ)
_FURIGANA_LABEL = re.compile(
    "(?:" + "|".join(_spaced(w) for w in ("ふりがな", "かな氏名", "かな")) + r")\s*[:：]?\s*"
)
_STOP = re.compile(
    r"(様|殿|さん|生年|生月日|年月日|性別|被保険者|保険者|住所|電話|TEL|年齢|要介護|要支援|\d|\(|（|:|：|、|。|,)"
)
_OTHER_PEOPLE = re.compile(
    r"(長男|次男|三男|長女|次女|三女|四男|四女|息子|娘|妻|夫|嫁|婿|姪|甥|孫|兄|弟|姉|妹|父|母|"
    r"家族|キーパーソン|緊急連絡先|同居|担当|作成者|記録者|代表者|管理者|所長|医師|看護師|"
    r"ケアマネ|介護支援専門員|相談員|責任者|説明者|署名|理学療法士|作業療法士|指導員|"
    r"送信者|差出人|宛先|ご家族|親族|主治医|記入者|報告者|対応)"
)
_AFTER_OTHER = re.compile(r"\s?[(（][^)）]{0,8}?" + _OTHER_PEOPLE.pattern)
_KANA_LINE = re.compile(r"^[ぁ-ゖァ-ヺー・\s]+$")
# kanji OCR reads for a katakana letter (ロ→口, カ→力, ニ→二, エ→工, ー→一, ハ→八 …), from
# the confusable table: a reading line may contain them and still be a reading line
_KANA_LOOKALIKES = "".join(
    ch for group in CONFUSABLES if re.search(r"[ァ-ヺー]", group)
    for ch in group if re.match(r"[一-龥]", ch)
)
_KANA = re.compile(r"[ぁ-ゖァ-ヺー]")
_KANA_LINE_NOISY = re.compile(r"^[ぁ-ゖァ-ヺー・\s" + _KANA_LOOKALIKES + "]+$")
# customer labels as read with one OCR error (利メ者名, ノ用者, お様名, 利用者ロ名), tried
# at the start of a line where no label was found as written: only labels of three
# characters or more, so that one error still leaves most of the label
_FUZZY_LABELS = tuple(w for w in _LABEL_WORDS if len(w) >= 3)
_FUZZY_LABEL_ENDS = frozenset(w[-1] for w in _FUZZY_LABELS)
_FUZZY_HEAD = max(len(w) for w in _FUZZY_LABELS) + 4
W_FUZZY_LABEL = 0.9
_SHORT_LABEL_REST = re.compile(
    r"^\W?(?:" + "|".join(re.escape(w[1:]) for w in _LABEL_WORDS if len(w) == 2) + r")\s*[:：]\s*"
)
_NAMEISH = re.compile(r"[一-龥々〆ヵヶぁ-ゖァ-ヺ]")

W_LABEL = 1.0
W_HONORIFIC = 0.85
W_SAN = 0.5
W_FILE = 0.7
W_OTHER = 0.3
W_FURIGANA = 0.9


@dataclass(slots=True)
class Region:
    text: str  # compact (no spaces)
    breaks: frozenset[int]  # positions i where a space or line break followed text[i-1]
    weight: float
    line: int
    kind: str


@dataclass(slots=True)
class CustomerScore:
    index: int
    score: float
    name_evidence: float = 0.0
    reading_evidence: float = 0.0
    other: list[float] = field(default_factory=list)


@dataclass(slots=True)
class CustomerResult:
    candidates: list[tuple[CustomerEntry, float]]
    confirmed: bool
    same_name: bool
    text_name: str | None  # the name as read from the text, when one was found


def _compact(s: str) -> tuple[str, frozenset[int]]:
    out: list[str] = []
    breaks: set[int] = set()
    for ch in s:
        if ch.isspace():
            breaks.add(len(out))
        else:
            out.append(ch)
    return to_hiragana("".join(out).lower()), frozenset(breaks)


def _cut(s: str) -> str:
    s = _LEADING_MARKS.sub("", s)  # 利用者名 、藤原 智恵子: a speck before the name
    m = _STOP.search(s)
    return s[: m.start()] if m else s


def _context_weight(prefix: str, base: float) -> float:
    return W_OTHER if _OTHER_PEOPLE.search(prefix[-14:]) else base


def _label_regions(lines: list[Line], li: int, rest: str, w: float) -> list[Region]:
    """The name after a label (``rest``: the line after it), and when that is too short to
    be a whole name, joined with what starts the next lines."""
    out: list[Region] = []
    name = _cut(rest)
    has_hon = bool(_HONORIFIC.search(rest[: len(name) + 2]))
    joined = name.strip()
    comp, breaks = _compact(joined[:24])
    if len(comp) >= 2:
        out.append(Region(comp, breaks, w, li, "label"))
    # a name cut by a line break, interleaved with other fields, or written one
    # character per line: also try it joined with what starts the next lines
    k = li + 1
    extended = False
    while len(_NAMEISH.findall(joined)) <= 2 and not has_hon and k < len(lines) \
            and k <= li + 5:
        nxt = lines[k].text
        piece = _cut(nxt).strip()
        if not piece:
            break
        joined += " " + piece
        extended = True
        has_hon = bool(_HONORIFIC.search(nxt[: len(piece) + 3]))
        if len(lines[k].compact) > 3:
            break
        k += 1
    if extended:
        comp, breaks = _compact(joined[:24])
        if len(comp) >= 2:
            out.append(Region(comp, breaks, w, li, "label"))
    return out


_LABEL_TAIL = re.compile(r"\s*(?:[:：様]\s*)?")


def _fuzzy_label_end(text: str) -> int | None:
    """Where a customer label read with one OCR error ends, when the line starts with one."""
    best: tuple[float, int] | None = None
    if not _FUZZY_LABEL_ENDS.intersection(text[:_FUZZY_HEAD]):
        return _short_label_end(text)  # cheap: no label's last character near the start
    for word in _FUZZY_LABELS:
        head = text[: len(word) + 4]
        al = _align_cached(word, head)
        if al.start > 2 or al.cost > 1.0 or al.end - al.start < len(word) - 1:
            continue
        # the last character says what the field is (被保険者名 / 被保険者番号): it must
        # be there as written
        if text[al.end - 1] != word[-1]:
            continue
        rel = al.cost / len(word)
        if best is None or rel < best[0] or (rel == best[0] and al.end > best[1]):
            best = (rel, al.end)
    if best is None:
        return _short_label_end(text)
    m = _LABEL_TAIL.match(text, best[1])
    return m.end() if m else best[1]


def _short_label_end(text: str) -> int | None:
    """A two-character label that lost a character (氏名 → 名：) is only taken with the
    colon of a key-value field right after it, at the start of the line."""
    m = _SHORT_LABEL_REST.match(text)
    return m.end() if m else None


def _regions(doc: DocText) -> list[Region]:
    out: list[Region] = []
    lines = doc.lines
    for li, ln in enumerate(lines):
        if ln.is_fax_header:
            continue
        text = ln.text
        found = False
        for m in _LABEL.finditer(text):
            found = True
            w = _context_weight(text[: m.start()], W_LABEL)
            out += _label_regions(lines, li, text[m.end() :], w)
        if not found:
            end = _fuzzy_label_end(text)
            if end is not None:
                out += _label_regions(lines, li, text[end:], W_FUZZY_LABEL)
        for m in _HONORIFIC.finditer(text):
            before = text[: m.start()].rstrip()
            # the name: the last chunk before the honorific (up to two space-separated parts)
            parts = re.split(r"[:：、。,()（）\[\]「」]", before)
            chunk = parts[-1] if parts else before
            toks = chunk.split(" ")
            chunks = [" ".join(toks[-2:]) if len(toks) >= 2 else chunk]
            # a name OCR cut into more parts (杉山 礼 子様): when the last two parts hold
            # two name characters or fewer, also the last three
            if len(toks) >= 3 and sum(1 for c in chunks[0] if _NAMEISH.match(c)) <= 2:
                chunks.append(" ".join(toks[-3:]))
            for chunk in chunks:
                label = _LABEL.search(chunk)
                if label:
                    chunk = chunk[label.end() :]
                comp, breaks = _compact(chunk[-12:])
                if len(comp) >= 2 and _NAMEISH.search(comp):
                    base = W_SAN if m.group(1) == "さん" else W_HONORIFIC
                    w = _context_weight(before[: len(before) - len(chunk)], base)
                    # 中川 三郎様(ご家族・…): a parenthesis right after says who it is
                    if _AFTER_OTHER.match(text, m.end()):
                        w = W_OTHER
                    out.append(Region(comp, breaks, w, li, "honorific"))
    return out


def _reading_regions(doc: DocText) -> list[Region]:
    out: list[Region] = []
    for li, ln in enumerate(doc.lines):
        # every furigana label ends in な (ふりがな, かな): fold only lines that have one
        m = _FURIGANA_LABEL.search(to_hiragana(ln.text)) if "な" in ln.compact else None
        if m:
            comp, breaks = _compact(ln.text[m.end() :][:30])
        elif _KANA_LINE_NOISY.match(ln.text) and 3 <= len(ln.compact) <= 20 \
                and 2 * len(_KANA.findall(ln.compact)) > len(ln.compact) \
                and li + 1 < len(doc.lines) and _LABEL.search(doc.lines[li + 1].text):
            comp, breaks = _compact(ln.text)
        else:
            continue
        reading = to_hiragana(comp)
        if len(reading) >= 3:
            out.append(Region(reading, breaks, W_FURIGANA, li, "furigana"))
    return out


@lru_cache(maxsize=200_000)
def _align_cached(key: str, region: str) -> Alignment:
    return align(key, region, NAME_CONFUSABLE_COST)


def _boundary_factor(al: Alignment, region: Region) -> float:
    """1 when the match ends (and starts) at a boundary of the region, else a penalty:
    髙橋登 matched at the start of 髙橋登美子 is not 髙橋登."""
    factor = 1.0
    if al.end < len(region.text) and al.end not in region.breaks:
        nxt = region.text[al.end]
        if _NAMEISH.match(nxt) and nxt not in "様殿さ":
            # a longer name goes on in the same script (髙橋登|美子, 松本ハツ|エ); one kana
            # left after a kanji name at the end of the region is more likely a speck
            # (高橋正一メ) than a name going on
            lone_kana = (not _KANJI.match(nxt) and _KANJI.match(region.text[al.end - 1])
                         and (al.end + 1 == len(region.text) or al.end + 1 in region.breaks))
            factor *= 0.9 if lone_kana else 0.6
    if al.start > 0 and al.start not in region.breaks and region.kind != "label":
        prv = region.text[al.start - 1]
        if _NAMEISH.match(prv):
            factor *= 0.8
    return factor


def _evidence(sim: float) -> float:
    """Similarity to evidence: exact 1.0, one confusable ~0.8, one lost character in a
    four-character name ~0.5, anything under 0.55 nothing."""
    return max(0.0, min(1.0, (sim - 0.55) / 0.45)) ** 1.3


MAX_ALIGNED = 40  # candidates aligned per region: bounds the work whatever the master size


def _candidates_for(region: Region, index: MasterIndex, grams: dict[str, list[int]],
                    chars: dict[str, list[int]] | None) -> list[int]:
    """Masters sharing text with the region, most shared first (bi-grams count double,
    characters once, very common characters not at all), at most :data:`MAX_ALIGNED`."""
    counts: Counter[int] = Counter()
    for g in set(bigrams(region.text)):
        ids = grams.get(g)
        if ids:
            counts.update(ids)
            counts.update(ids)
    if chars is not None:
        limit = max(20, len(index.customers) // 30)
        for ch in set(region.text):
            ids = chars.get(ch)
            if ids and len(ids) <= limit:
                counts.update(ids)
    return [i for i, n in counts.most_common(MAX_ALIGNED) if n >= 2]


def _match_regions(regions: list[Region], index: MasterIndex, reading: bool
                   ) -> dict[int, list[tuple[float, Region, Alignment]]]:
    hits: dict[int, list[tuple[float, Region, Alignment]]] = defaultdict(list)
    memo: dict[tuple[str, frozenset[int]], list[tuple[int, float, Alignment]]] = {}
    for region in regions:
        cached = memo.get((region.text, region.breaks))
        if cached is not None:
            for ci, sim, al in cached:
                hits[ci].append((sim, region, al))
            continue
        if reading:
            cands = _candidates_for(region, index, index.reading_grams, None)
        else:
            cands = _candidates_for(region, index, index.customer_grams, index.customer_chars)
        local: list[tuple[int, float, Alignment]] = []
        for ci in cands:
            c = index.customers[ci]
            keys = [c.reading] if reading else [c.key, *c.aliases]
            best_sim, best_al = 0.0, None
            for key in keys:
                if not key:
                    continue
                al = _align_cached(key, region.text)
                sim = al.similarity(len(key))
                if not reading:
                    sim *= _boundary_factor(al, region)
                if sim > best_sim:
                    best_sim, best_al = sim, al
            if best_al is not None and best_sim >= 0.55:
                local.append((ci, best_sim, best_al))
        # a match inside a longer, as good match of another name is that other name
        result: list[tuple[int, float, Alignment]] = []
        for ci, sim, al in local:
            for cj, sim2, al2 in local:
                if cj != ci and al2.start <= al.start and al2.end >= al.end \
                        and (al2.end - al2.start) > (al.end - al.start) and sim2 >= sim - 0.05:
                    sim *= 0.7
                    break
            result.append((ci, sim, al))
            hits[ci].append((sim, region, al))
        memo[(region.text, region.breaks)] = result
    return hits


def _text_care_managers(doc: DocText) -> str:
    return "\n".join(ln.compact for ln in doc.lines if "ケアマネ" in ln.text
                     or "介護支援専門員" in ln.text or "担当" in ln.text)


def resolve_customer(doc: DocText, file_name: str, index: MasterIndex,
                     config: ResolutionConfig) -> CustomerResult:
    """Score every customer with evidence; confirm only a clear, unique best."""
    regions = _regions(doc)
    stem = re.sub(r"\.[A-Za-z0-9]{1,5}$", "", file_name or "")
    for part in re.split(r"[_\-\s【】\[\]()]+", normalize_text(stem)):
        comp, breaks = _compact(part)
        comp = re.sub(r"(様|殿|さん)$", "", comp)
        if 2 <= len(comp) <= 8 and _NAMEISH.search(comp):
            regions.append(Region(comp, breaks, W_FILE, -1, "file"))
    name_hits = _match_regions(regions, index, reading=False)
    read_hits = _match_regions(_reading_regions(doc), index, reading=True)

    scores: dict[int, float] = {}
    kinds: dict[int, tuple[float, float]] = {}  # (name, reading) evidence
    for ci in set(name_hits) | set(read_hits):
        ev = sorted(((_evidence(s) * r.weight, r.line) for s, r, _ in name_hits.get(ci, [])),
                    reverse=True)
        name_ev = ev[0][0] if ev else 0.0
        # a second mention on another line adds a little
        extra = next((e for e, ln in ev[1:] if ln != ev[0][1]), 0.0) * 0.3 if ev else 0.0
        read_ev = max((_evidence(s) * r.weight for s, r, _ in read_hits.get(ci, [])), default=0.0)
        # the strongest kind of evidence, raised a little by the other (not a noisy-OR:
        # a shared reading must not lift 中村千恵子 to where 中村智恵子 stands)
        hi, lo = max(name_ev, read_ev), min(name_ev, read_ev)
        s = hi + 0.5 * lo * (1 - hi)
        scores[ci] = s + extra * (1 - s)
        kinds[ci] = (name_ev, read_ev)
    # the best label-region text, for 不明顧客 display and new-customer suggestions
    text_name = next((r.text for r in regions if r.kind == "label" and r.weight == W_LABEL), None)
    if not scores:
        return CustomerResult([], False, False, text_name)

    cm_text = _text_care_managers(doc)
    compact_text = "".join(ln.compact for ln in doc.lines)

    def separation(ci: int) -> float:
        """What tells apart people whose names match equally (same-name people, or a
        name too damaged to choose): the care manager named in the text, the reading, a
        birth date the master holds. Orders candidates; never confirms one."""
        c = index.customers[ci]
        sep = 0.0
        if c.care_manager_key and c.care_manager_key in cm_text:
            sep += 0.05
        sep += 0.02 * kinds.get(ci, (0.0, 0.0))[1]
        if c.birth_date and _birth_date_in(c.birth_date, compact_text):
            sep += 0.05
        return sep

    floor = config.customer_candidate_floor * 0.5
    ranked = sorted(scores.items(), key=lambda kv: (-round(kv[1], 4), -separation(kv[0])))
    # same-name people: when any member of a group matches, even weakly, every member is
    # a candidate (the text cannot tell them apart by name)
    in_group = [ci for ci, _ in ranked if index.customers[ci].same_name]
    ranked = [(ci, s) for ci, s in ranked if s >= floor]
    if not ranked and not in_group:
        return CustomerResult([], False, False, text_name)
    top_i, top_s = ranked[0] if ranked else (in_group[0], scores[in_group[0]])
    top = index.customers[top_i]
    if top.same_name:
        group = sorted([top_i, *top.same_name], key=lambda ci: -separation(ci))
        others = [(ci, s) for ci, s in ranked if ci not in group]
        cands = [(index.customers[ci], round(min(top_s, 0.99) - 0.01 * k, 4))
                 for k, ci in enumerate(group)]
        cands += [(index.customers[ci], round(s, 4)) for ci, s in others]
        return CustomerResult(cands[: config.max_candidates], False, True, text_name)
    second_i, second = ranked[1] if len(ranked) > 1 else (-1, 0.0)
    confirmed = top_s >= config.customer_confirm and (
        top_s - second >= config.customer_margin
        or _dominates(kinds[top_i], kinds.get(second_i, (0.0, 0.0)), config)
    )
    shown = dict(ranked)
    order = [ci for ci, _ in ranked]
    if in_group:
        # the group at the place of its best member, and within the list when unconfirmed;
        # every member shown with the best member's score (the name does not tell them apart)
        best = in_group[0]
        group = sorted([best, *index.customers[best].same_name], key=lambda ci: -separation(ci))
        at = order.index(best) if best in order else len(order)
        if not confirmed:
            at = min(at, max(1, config.max_candidates - len(group)))
        rest = [ci for ci in order if ci not in group]
        order = rest[:at] + group + rest[at:]
        for k, ci in enumerate(group):
            shown[ci] = scores[best] - 0.001 * k
    cands = [(index.customers[ci], round(shown[ci], 4)) for ci in order[: config.max_candidates]]
    return CustomerResult(cands, confirmed, False, text_name)


def _dominates(top: tuple[float, float], second: tuple[float, float],
               config: ResolutionConfig) -> bool:
    """The best is ahead on the name itself by a wide lead and not behind on the reading:
    中村智恵子 read exactly under the label against 中村千恵子, who only shares the reading
    ちえこ. The reading then separates nobody, and the name alone decides."""
    name_top, read_top = top
    name_second, read_second = second
    return (name_top >= config.customer_confirm
            and name_top - name_second >= 2 * config.customer_margin
            and read_top >= read_second - 0.01)


def _birth_date_in(birth_date: str, compact_text: str) -> bool:
    """A master's birth date (YYYY-MM-DD) written in the text as 1943/12/09, 1943年12月9日,
    1943-12-9 or 1943.12.9 (the era forms are left to the date module's reader)."""
    m = re.match(r"(\d{4})-(\d{1,2})-(\d{1,2})", birth_date)
    if not m:
        return False
    y, mo, d = m.group(1), int(m.group(2)), int(m.group(3))
    return re.search(rf"{y}[年/.\-]0?{mo}[月/.\-]0?{d}(?!\d)", compact_text) is not None
