"""Who sent the document: the office (事業所), with evidence and a calibrated score.

Office names are compared without their legal form (株式会社, (株), 社会福祉法人 …),
which documents write in full, abbreviated or not at all. Each office has several keys
(full name, the facility part, the short name, aliases); keys the master list itself shows
to be generic (ケア, サポート, 訪問介護事業所, or a key contained in several other
offices' names) only count when they are a whole labelled value, never as a substring.

Where a name is read matters: a sender label (事業所名, 作成事業所, 差出人, 送信元,
医療機関名) or the letterhead block around the sender's TEL/FAX counts fully; a recipient
or partner (宛先, 担当居宅, 連携事業所, 介護支援専門員 … 様) counts little. The fax number
that prefixes the file name (0341824731-L811-….pdf) or heads the fax marks the sender's
block: a name within a few lines of the same number is the sender. A file name that
starts with an office's name is evidence too.

Matching is by character bi-grams weighted by rarity (IDF) over the index, then a
confusable-aware alignment, so brand + service type + branch must all agree to separate
やまびこショートステイ from やまびこ小規模多機能, or エールデイサービス目黒 from 文京.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

from shared.normalize import normalize_text
from shared.resolution.config import ResolutionConfig
from shared.resolution.index import MasterIndex, OfficeEntry, bigrams, office_key
from shared.resolution.text import DocText

_SENDER = re.compile(
    r"(事業所名|作成事業所|事業者名|差出人|送信元|発信元|発行元|医療機関名|病院・?診療所名|"
    r"機関名|作成者所属|FROM|From)\s*[:：]?\s*"
)
_RECIPIENT = re.compile(
    r"(宛先|宛|御中|担当居宅|居宅介護支援事業所\s|連携事業所|連携先|併用サービス|紹介先|送付先|"
    r"ケアマネジャー|介護支援専門員|担当ケアマネ|情報提供先|提供先|利用中のサービス|様)"
)
_OFFICE_WORD = re.compile(
    r"(事業所|ステーション|センター|クリニック|病院|医院|診療所|ショートステイ|デイサービス|"
    r"訪問|居宅|ホーム|苑|の家|の里|法人|会社|ケア|薬局|営業所|店)"
)
_PHONE = re.compile(r"(?:TEL|FAX|電話|ファックス|Fax|Tel)[^\d]{0,4}([\d\-()]{9,16})", re.IGNORECASE)
_DIGITS_ONLY = re.compile(r"\D")
_FILE_FAX = re.compile(r"^(\d[\d\-]{8,14}\d)-")
_HEADER_NUMBER = re.compile(r"(?:FROM|FAX|送信元)\s*[:：]?\s*([\d\-]{9,16})", re.IGNORECASE)

MAX_ALIGNED = 40  # keys compared per mention: bounds the work whatever the master size
W_SENDER = 1.0
W_BLOCK = 0.95
W_PLAIN = 0.7
W_RECIPIENT = 0.3
W_FILE = 0.85


@dataclass(slots=True)
class OfficeResult:
    candidates: list[tuple[OfficeEntry, float]]
    confirmed: bool
    suggested_new: str | None


@dataclass(slots=True)
class _Mention:
    key_text: str  # office_key() of the line's relevant part
    weight: float
    line: int


def _sender_numbers(doc: DocText, file_name: str) -> set[str]:
    nums: set[str] = set()
    m = _FILE_FAX.match(file_name or "")
    if m:
        nums.add(_DIGITS_ONLY.sub("", m.group(1)))
    for ln in doc.lines:
        if ln.is_fax_header:
            for h in _HEADER_NUMBER.finditer(ln.text):
                d = _DIGITS_ONLY.sub("", h.group(1))
                if len(d) >= 9:
                    nums.add(d)
    return nums


def _block_lines(doc: DocText, numbers: set[str]) -> set[int]:
    """Lines within the sender's letterhead: a few lines above and the line of a TEL/FAX
    whose number is the fax's sender number (the last digit may differ: TEL vs FAX)."""
    out: set[int] = set()
    if not numbers:
        return out
    prefixes = {n[:-1] for n in numbers}
    for i, ln in enumerate(doc.lines):
        if ln.is_fax_header:
            continue
        for m in _PHONE.finditer(ln.text):
            d = _DIGITS_ONLY.sub("", m.group(1))
            if d[:-1] in prefixes:
                out.update(range(max(0, i - 3), i + 1))
    return out


_LETTERHEAD = re.compile(r"^(〒|TEL|FAX|電話|代表者|所長|管理者|施設長|院長|理事長)|[印㊞]$")


def _letterhead_lines(doc: DocText) -> set[int]:
    """Lines of a letterhead: just above an address/TEL/FAX line or a signatory, or
    ending with a seal (印, ㊞). Who writes their address and seal is the sender."""
    out: set[int] = set()
    lines = doc.lines
    for i, ln in enumerate(lines):
        if ln.is_fax_header:
            continue
        t = ln.text.strip()
        if re.search(r"[印㊞]$", t):
            out.add(i)
        if _LETTERHEAD.match(t):
            for j in (i - 1, i - 2):
                if j >= 0 and lines[j].page == ln.page and not _LETTERHEAD.match(lines[j].text):
                    out.add(j)
                    break
    return out


def _mentions(doc: DocText, file_name: str) -> list[_Mention]:
    block = _block_lines(doc, _sender_numbers(doc, file_name)) | _letterhead_lines(doc)
    out: list[_Mention] = []
    for i, ln in enumerate(doc.lines):
        if ln.is_fax_header:
            continue
        text = ln.text
        sender = _SENDER.search(text)
        if sender and _RECIPIENT.search(text[: sender.start()]):
            sender = None
        if sender:
            part = text[sender.end() :]
            out.append(_Mention(office_key(part), W_SENDER, i))
            before = text[: sender.start()]
            if _OFFICE_WORD.search(before):
                w = W_RECIPIENT if _RECIPIENT.search(before) else W_PLAIN
                out.append(_Mention(office_key(before), w, i))
            continue
        if not _OFFICE_WORD.search(text) and i not in block:
            continue
        if _RECIPIENT.search(text):
            w = W_RECIPIENT
        elif i in block:
            w = W_BLOCK
        else:
            w = W_PLAIN
        out.append(_Mention(office_key(text), w, i))
    stem = re.sub(r"\.[A-Za-z0-9]{1,5}$", "", file_name or "")
    stem = re.sub(r"-L\d+-\d{8,14}$|_\d{6,8}(_\d+)?$", "", stem)
    for part in re.split(r"[_【】\[\]]+", normalize_text(stem)):
        key = office_key(part)
        if len(key) >= 3 and not key.isdigit():
            out.append(_Mention(key, W_FILE, -1))
    return [m for m in out if len(m.key_text) >= 2]


@lru_cache(maxsize=100_000)
def _partial(key: str, text: str) -> float:
    if key in text:
        return 1.0
    if len(text) < len(key):
        return fuzz.ratio(key, text) / 100.0 * (len(text) / len(key)) ** 0.5
    return fuzz.partial_ratio(key, text) / 100.0


def _match(m: _Mention, index: MasterIndex) -> dict[int, float]:
    """Office → similarity for one mention (best over the office's keys).

    The similarity is the mean of an alignment score (partial ratio: the key against its
    best window of the value) and the share of the key's *rare* bi-grams found in the
    value (IDF-weighted), so that sharing 訪問介護事業所 東口事業所 does not make
    ケアリーフ and ホームケア清風 alike. Where one office's key lies inside another's
    in the same value, the longer one is the office named (maximal munch)."""
    all_grams = set(bigrams(m.key_text))
    grams = all_grams - index.office_stop_grams
    cover: dict[int, float] = defaultdict(float)
    for g in grams:
        idf = index.office_gram_idf.get(g)
        if idf is None:
            continue
        for ki in index.office_grams[g]:
            cover[ki] += idf
    # most of the key's rare text found first; among equals, the most rare text found
    ordered = sorted(
        ((min(1.0, c / index.office_keys[ki].idf_rare), c, ki) for ki, c in cover.items()
         if index.office_keys[ki].idf_rare > 0),
        reverse=True,
    )[:MAX_ALIGNED]
    ranked = [(cov, ki) for cov, _c, ki in ordered]
    ranked += [(1.0, ki) for ki in index.office_common_keys
               if index.office_keys[ki].key in m.key_text]
    out: dict[int, float] = {}
    spans: dict[int, tuple[int, int]] = {}
    gram_idf = index.office_gram_idf
    for cov, ki in ranked:
        k = index.office_keys[ki]
        if cov < 0.45:
            continue
        # verified over all the key's bi-grams, the common ones included (訪問介護 vs 訪問看護)
        key_grams = set(bigrams(k.key))
        cov = sum(gram_idf.get(g, 0.0) for g in key_grams & all_grams) / max(k.idf_total, 1e-9)
        pos = m.key_text.find(k.key)
        if k.generic:
            # generic keys count only as the whole value
            sim = 1.0 if m.key_text == k.key else 0.0
        elif pos >= 0:
            sim = 1.0
        else:
            sim = 0.5 * _partial(k.key, m.key_text) + 0.5 * cov
        if pos >= 0 and sim > 0:
            span = (pos, pos + len(k.key))
            if k.office not in spans or span[1] - span[0] > spans[k.office][1] - spans[k.office][0]:
                spans[k.office] = span
        if sim > out.get(k.office, 0.0):
            out[k.office] = sim
    for oi, (s0, e0) in spans.items():
        for oj, (s1, e1) in spans.items():
            if oj != oi and s1 <= s0 and e1 >= e0 and (e1 - s1) > (e0 - s0):
                out[oi] *= 0.8
                break
    return out


def _evidence(sim: float) -> float:
    return max(0.0, min(1.0, (sim - 0.6) / 0.4)) ** 1.2


def _suggest(doc: DocText, file_name: str) -> str | None:
    for ln in doc.lines:
        m = _SENDER.search(ln.text)
        if m and not ln.is_fax_header:
            value = re.split(r"\s{2,}|TEL|FAX|〒|電話", ln.text[m.end() :])[0].strip()
            if len(value) >= 3:
                return value
    return None


def resolve_office(doc: DocText, file_name: str, index: MasterIndex,
                   config: ResolutionConfig) -> OfficeResult:
    """Score offices with evidence; confirm only a clear best; else suggest a new name."""
    best: dict[int, float] = defaultdict(float)
    support: dict[int, int] = defaultdict(int)
    memo: dict[str, dict[int, float]] = {}
    for m in _mentions(doc, file_name):
        matched = memo.get(m.key_text)
        if matched is None:
            matched = memo[m.key_text] = _match(m, index)
        for oi, sim in matched.items():
            e = _evidence(sim) * m.weight
            if e > 0.2:
                support[oi] += 1
            if e > best[oi]:
                best[oi] = e
    scores = {oi: min(1.0, s + min(0.05, 0.01 * (support[oi] - 1))) for oi, s in best.items()}
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    ranked = [(oi, s) for oi, s in ranked if s > 0.05]
    cands = [(index.offices[oi], round(s, 4)) for oi, s in ranked[: config.max_candidates]]
    if not ranked:
        return OfficeResult([], False, _suggest(doc, file_name))
    top_s = ranked[0][1]
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    confirmed = top_s >= config.office_confirm and top_s - second >= config.office_margin
    suggestion = None if top_s >= config.office_confirm else _suggest(doc, file_name)
    return OfficeResult(cands, confirmed, suggestion)
