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

Same-name people (同姓同名) come from the master list (:class:`MasterIndex`); among them
nothing is confirmed, and they are ordered by what might separate them (the care manager
named in the text, the reading, a birth date when the master has one).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from shared.normalize import normalize_key, normalize_text, to_hiragana
from shared.resolution.config import ResolutionConfig
from shared.resolution.fuzzy import Alignment, align
from shared.resolution.index import CustomerEntry, MasterIndex, bigrams
from shared.resolution.text import DocText

_LABEL_WORDS = (
    "ご利用者様氏名", "ご利用者様名", "ご利用者様", "ご利用者氏名", "ご利用者名", "ご利用者",
    "利用者氏名", "利用者名", "利用者", "お客様氏名", "お客様名", "患者氏名", "患者名",
    "被保険者氏名", "被保険者名", "本人氏名", "対象者氏名", "対象者名", "氏名", "お名前", "名前",
)


def _spaced(word: str) -> str:
    # OCR and layout put spaces inside labels (利 用 者): allow one between characters
    return r"\s?".join(re.escape(c) for c in word)


_LABEL = re.compile(
    "(?:" + "|".join(_spaced(w) for w in _LABEL_WORDS) + r")\s*(?:[:：様]\s*)?"
)
_HONORIFIC = re.compile(r"(様|殿|さん)")
_FURIGANA_LABEL = re.compile(r"(フリガナ|ふりがな|ﾌﾘｶﾞﾅ|カナ氏名|カナ)\s*[:：]?\s*")
_STOP = re.compile(
    r"(様|殿|さん|生年月日|性別|被保険者|保険者|住所|電話|TEL|年齢|要介護|要支援|\d|\(|（|:|：|、|。|,)"
)
_OTHER_PEOPLE = re.compile(
    r"(長男|次男|三男|長女|次女|三女|四男|四女|息子|娘|妻|夫|嫁|婿|姪|甥|孫|兄|弟|姉|妹|父|母|"
    r"家族|キーパーソン|緊急連絡先|同居|担当|作成者|記録者|代表者|管理者|所長|医師|看護師|"
    r"ケアマネ|介護支援専門員|相談員|責任者|説明者|署名|理学療法士|作業療法士|指導員|"
    r"送信者|差出人|宛先|ご家族|親族|主治医|記入者|報告者|対応)"
)
_KANA_LINE = re.compile(r"^[ぁ-ゖァ-ヺー・\s]+$")
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
    m = _STOP.search(s)
    return s[: m.start()] if m else s


def _context_weight(prefix: str, base: float) -> float:
    return W_OTHER if _OTHER_PEOPLE.search(prefix[-14:]) else base


def _regions(doc: DocText) -> list[Region]:
    out: list[Region] = []
    lines = doc.lines
    for li, ln in enumerate(lines):
        if ln.is_fax_header:
            continue
        text = ln.text
        for m in _LABEL.finditer(text):
            rest = text[m.end() :]
            name = _cut(rest)
            has_hon = bool(_HONORIFIC.search(rest[: len(name) + 2]))
            joined = name.strip()
            w = _context_weight(text[: m.start()], W_LABEL)
            comp, breaks = _compact(joined[:24])
            if len(comp) >= 2:
                out.append(Region(comp, breaks, w, li, "label"))
            # a name cut by a line break, interleaved with other fields, or written one
            # character per line: also try it joined with what starts the next lines
            k = li + 1
            extended = False
            while len(normalize_key(joined)) <= 2 and not has_hon and k < len(lines) \
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
        for m in _HONORIFIC.finditer(text):
            before = text[: m.start()].rstrip()
            # the name: the last chunk before the honorific (up to two space-separated parts)
            parts = re.split(r"[:：、。,()（）\[\]「」]", before)
            chunk = parts[-1] if parts else before
            toks = chunk.split(" ")
            chunk = " ".join(toks[-2:]) if len(toks) >= 2 else chunk
            label = _LABEL.search(chunk)
            if label:
                chunk = chunk[label.end() :]
            comp, breaks = _compact(chunk[-12:])
            if len(comp) >= 2 and _NAMEISH.search(comp):
                base = W_SAN if m.group(1) == "さん" else W_HONORIFIC
                w = _context_weight(before[: len(before) - len(chunk)], base)
                out.append(Region(comp, breaks, w, li, "honorific"))
    return out


def _reading_regions(doc: DocText) -> list[Region]:
    out: list[Region] = []
    for li, ln in enumerate(doc.lines):
        m = _FURIGANA_LABEL.search(ln.text)
        if m:
            comp, breaks = _compact(ln.text[m.end() :][:30])
        elif _KANA_LINE.match(ln.text) and 3 <= len(ln.compact) <= 20 and li + 1 < len(doc.lines) \
                and _LABEL.search(doc.lines[li + 1].text):
            comp, breaks = _compact(ln.text)
        else:
            continue
        reading = to_hiragana(comp)
        if len(reading) >= 3:
            out.append(Region(reading, breaks, W_FURIGANA, li, "furigana"))
    return out


@lru_cache(maxsize=200_000)
def _align_cached(key: str, region: str) -> Alignment:
    return align(key, region)


def _boundary_factor(al: Alignment, region: Region) -> float:
    """1 when the match ends (and starts) at a boundary of the region, else a penalty:
    髙橋登 matched at the start of 髙橋登美子 is not 髙橋登."""
    factor = 1.0
    if al.end < len(region.text) and al.end not in region.breaks:
        nxt = region.text[al.end]
        if _NAMEISH.match(nxt) and nxt not in "様殿さ":
            factor *= 0.6
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
    # the best label-region text, for 不明顧客 display and new-customer suggestions
    text_name = next((r.text for r in regions if r.kind == "label" and r.weight == W_LABEL), None)

    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    ranked = [(ci, s) for ci, s in ranked if s >= config.customer_candidate_floor * 0.5]
    if not ranked:
        return CustomerResult([], False, False, text_name)
    top_i, top_s = ranked[0]
    top = index.customers[top_i]
    group = [top_i, *top.same_name]
    if len(group) > 1:
        cm_text = _text_care_managers(doc)
        read_best = {ci: max((s for s, _, _ in read_hits.get(ci, [])), default=0.0) for ci in group}

        def separation(ci: int) -> float:
            c = index.customers[ci]
            s = 0.0
            if c.care_manager_key and c.care_manager_key in cm_text:
                s += 0.05
            s += 0.02 * read_best.get(ci, 0.0)
            return s

        group_sorted = sorted(group, key=lambda ci: -separation(ci))
        others = [(ci, s) for ci, s in ranked if ci not in group]
        cands = [(index.customers[ci], round(min(top_s, 0.99) - 0.01 * k, 4))
                 for k, ci in enumerate(group_sorted)]
        cands += [(index.customers[ci], round(s, 4)) for ci, s in others]
        return CustomerResult(cands[: config.max_candidates], False, True, text_name)
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    confirmed = top_s >= config.customer_confirm and top_s - second >= config.customer_margin
    cands = [(index.customers[ci], round(s, 4)) for ci, s in ranked[: config.max_candidates]]
    return CustomerResult(cands, confirmed, False, text_name)
