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

from rapidfuzz.distance import Levenshtein

from shared.normalize import normalize_text
from shared.resolution.config import ResolutionConfig
from shared.resolution.index import MasterIndex, OfficeEntry, office_key
from shared.resolution.office_match import match_text
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
# digits as OCR reads them: O/o for 0, l/I/| for 1, S for 5, B for 8 (folded by _phone_digits)
_PHONE = re.compile(
    r"(?:TEL|FAX|電話|ファックス|Fax|Tel)[^\dOoIlSB]{0,4}([\dOoIl|SBZ\-()]{9,16})", re.IGNORECASE
)
_OCR_DIGITS = str.maketrans({"O": "0", "o": "0", "I": "1", "l": "1", "|": "1", "S": "5",
                             "B": "8", "Z": "2"})
_DIGITS_ONLY = re.compile(r"\D")
_FILE_FAX = re.compile(r"^(\d[\d\-]{8,14}\d)-")
_HEADER_NUMBER = re.compile(
    r"(?:FROM|FAX|送信元)\s*[:：]?\s*([\dOoIl|SB\-]{9,16})", re.IGNORECASE
)
PHONE_EDITS = 1  # digits OCR may drop or misread in a letterhead's TEL/FAX and still match


def _phone_digits(s: str) -> str:
    """The digits of a phone number as OCR read it (0341O2 → 034102)."""
    return _DIGITS_ONLY.sub("", s.translate(_OCR_DIGITS))

W_SENDER = 1.0
W_BLOCK = 0.95
W_PLAIN = 0.7
W_RECIPIENT = 0.3
W_FILE = 0.85
SENDER_RIVAL = 0.2  # lead, at a sender's place, of another office over a plainly read one


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
                d = _phone_digits(h.group(1))
                if len(d) >= 9:
                    nums.add(d)
    return nums


def _block_lines(doc: DocText, numbers: set[str]) -> set[int]:
    """Lines within the sender's letterhead: a few lines above and the line of a TEL/FAX
    whose number is the fax's sender number (the last digit may differ: TEL vs FAX; OCR
    may have misread or dropped one more)."""
    out: set[int] = set()
    if not numbers:
        return out
    prefixes = {n[:-1] for n in numbers}
    for i, ln in enumerate(doc.lines):
        if ln.is_fax_header:
            continue
        for m in _PHONE.finditer(ln.text):
            d = _phone_digits(m.group(1))
            if len(d) >= 9 and any(Levenshtein.distance(d[:-1], p, score_cutoff=PHONE_EDITS)
                                   <= PHONE_EDITS for p in prefixes):
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
    placed: dict[int, float] = defaultdict(float)  # best evidence read where a sender writes
    placed_reads: list[dict[int, float]] = []  # per sender-place mention: office → evidence
    support: dict[int, int] = defaultdict(int)
    memo: dict[str, dict[int, float]] = {}
    for m in _mentions(doc, file_name):
        matched = memo.get(m.key_text)
        if matched is None:
            matched = memo[m.key_text] = match_text(m.key_text, index)
        for oi, sim in matched.items():
            e = _evidence(sim) * m.weight
            if e > 0.2:
                support[oi] += 1
            if e > best[oi]:
                best[oi] = e
            if m.weight >= W_BLOCK and e > placed[oi]:
                placed[oi] = e
        if m.weight >= W_BLOCK and matched:
            placed_reads.append({oi: _evidence(sim) * m.weight for oi, sim in matched.items()})
    scores = {oi: min(1.0, s + min(0.05, 0.01 * (support[oi] - 1))) for oi, s in best.items()}
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    ranked = [(oi, s) for oi, s in ranked if s > 0.05]
    cands = [(index.offices[oi], round(s, 4)) for oi, s in ranked[: config.max_candidates]]
    if not ranked:
        return OfficeResult([], False, _suggest(doc, file_name))
    top_s = ranked[0][1]
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    confirmed = top_s >= config.office_confirm and top_s - second >= config.office_margin
    if confirmed and placed[ranked[0][0]] < config.office_confirm:
        # the best reading is not where a sender writes (label, letterhead, TEL/FAX block):
        # another office read there, however badly, and clearly better than this one, says
        # the plain mention is a partner
        top = ranked[0][0]
        rival = max((e - reads.get(top, 0.0) for reads in placed_reads
                     for oi, e in reads.items() if oi != top), default=0.0)
        confirmed = rival < SENDER_RIVAL
    suggestion = None if top_s >= config.office_confirm else _suggest(doc, file_name)
    return OfficeResult(cands, confirmed, suggestion)
