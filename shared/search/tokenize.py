"""Japanese tokenisation for the search index: pure functions, no I/O.

Japanese is written without spaces, so words cannot be found by splitting; instead every
field yields the character bi-grams of its normalised text (the normaliser folds width,
kana, spacing and 異体字, so 髙橋/高橋, ｶﾀｶﾅ/カタカナ/かたかな meet), plus its whole words
(for exact hits and one-character names), plus date tokens ``2024``, ``2024-05``,
``2024-05-01`` from ``fileDate`` (in Japan time). A query word must contain all of its
bi-grams (a cover of them: every other one plus the last), and all words must match.

Each token of a document gets a posting ``score`` (sum over fields of weight × (1 + ln tf))
and ``fieldsMask`` (the seed's bits: customerName=1, officeName=2, documentType=4,
fileName=8, date=16; OCR text, optional, sets no bit).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from shared.normalize import normalize_key

SEARCH_VERSION = 1
JST = ZoneInfo("Asia/Tokyo")

FIELD_BITS: dict[str, int] = {
    "customerName": 1, "officeName": 2, "documentType": 4, "fileName": 8, "date": 16,
    "ocr": 0,  # the seed defines no bit for OCR text: it adds to the score only
}
FIELD_WEIGHTS: dict[str, float] = {
    "customerName": 3.0, "officeName": 2.0, "documentType": 2.0, "fileName": 1.0,
    "date": 1.5, "ocr": 0.5,
}
MAX_TOKENS_PER_DOCUMENT = 240  # bounds the writes of one index update
GROUP_TOKEN_PREFIX = "g:"  # ':' never survives word splitting, so text cannot hit these

_PUNCT = re.compile(r"[^\w\s]+|_+")
_WORD_SPLIT = re.compile(r"[\W_]+")
_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,5}$")
_YEAR = re.compile(r"^(\d{4})年?$")
_MONTH = re.compile(r"^(\d{4})[-/.年](\d{1,2})月?$")
_DAY = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_COMPACT_DAY = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_RUNS = re.compile(r"[a-z0-9]+|[^a-z0-9]+")
_ASCII_RUN = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Posting:
    """A document's entry under one token."""

    score: float
    fields_mask: int


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def _segments(text: str) -> list[str]:
    """Normalised runs between punctuation (spaces inside a run are dropped)."""
    out = []
    for part in _PUNCT.split(_nfkc(text)):
        key = normalize_key(part) if part.strip() else ""
        if key:
            out.append(key)
    return out


def _bigrams(segment: str) -> list[str]:
    if len(segment) < 2:
        return [segment] if segment else []
    return [segment[i : i + 2] for i in range(len(segment) - 1)]


def words(text: str) -> list[str]:
    """Normalised whole words (split on spaces and punctuation)."""
    out = []
    for part in _WORD_SPLIT.split(_nfkc(text)):
        key = normalize_key(part) if part else ""
        if key:
            out.append(key)
    return out


def _run_tokens(segment: str) -> list[str]:
    """Latin letters and digits are whole tokens (``pdf``, ``20240501``); the rest,
    Japanese, is cut into bi-grams."""
    out: list[str] = []
    for run in _RUNS.findall(segment):
        out.extend([run] if _ASCII_RUN.fullmatch(run) else _bigrams(run))
    return out


def text_tokens(text: str, char_cap: int | None = None) -> Counter[str]:
    """Bi-grams, Latin/digit runs and whole words of one field's text, with counts."""
    if char_cap is not None:
        text = text[:char_cap]
    counts: Counter[str] = Counter()
    for segment in _segments(text):
        counts.update(_run_tokens(segment))
    for word in words(text):
        if word not in counts and len(word) != 2:  # a 2-character word is its own bi-gram
            counts[word] += 1
    return counts


def date_tokens(value: date) -> list[str]:
    return [f"{value.year:04d}", f"{value.year:04d}-{value.month:02d}",
            f"{value.year:04d}-{value.month:02d}-{value.day:02d}"]


def document_date(doc: dict[str, Any]) -> date | None:
    """The document's date (``fileDate``) as a calendar date in Japan."""
    value = doc.get("fileDate")
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=JST)
        return aware.astimezone(JST).date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        parsed = parse_date_word(value.strip()[:10])
        if parsed is not None and len(parsed) == 10:
            return date.fromisoformat(parsed)
    return None


def date_number(value: date | None) -> int | None:
    """``2024-05-01`` → ``20240501`` (kept in the index record and the fingerprint)."""
    return value.year * 10_000 + value.month * 100 + value.day if value else None


def field_texts(doc: dict[str, Any], furigana: str | None = None,
                include_ocr: bool = False, ocr_cap: int = 0) -> dict[str, list[str]]:
    """The text of each indexed field (customer furigana counts as the customer's name)."""
    texts: dict[str, list[str]] = {}
    for name in ("customerName", "officeName", "documentType"):
        value = doc.get(name)
        if isinstance(value, str) and value.strip():
            texts[name] = [value]
    if furigana and furigana.strip():
        texts.setdefault("customerName", []).append(furigana)
    file_name = doc.get("fileName")
    if isinstance(file_name, str) and file_name.strip():
        texts["fileName"] = [_EXTENSION.sub("", file_name)]
    if include_ocr and ocr_cap > 0:
        ocr = doc.get("ocrResult")
        if isinstance(ocr, str) and ocr.strip():
            texts["ocr"] = [ocr[:ocr_cap]]
    return texts


def document_postings(doc: dict[str, Any], furigana: str | None = None,
                      include_ocr: bool = False, ocr_cap: int = 0) -> dict[str, Posting]:
    """Every text and date token of a document with its posting."""
    scores: dict[str, float] = {}
    masks: dict[str, int] = {}
    for field_name, texts in field_texts(doc, furigana, include_ocr, ocr_cap).items():
        counts: Counter[str] = Counter()
        for text in texts:
            counts.update(text_tokens(text))
        for token, tf in counts.items():
            weight = FIELD_WEIGHTS[field_name] * (1.0 + math.log(tf))
            scores[token] = scores.get(token, 0.0) + weight
            masks[token] = masks.get(token, 0) | FIELD_BITS[field_name]
    day = document_date(doc)
    if day is not None:
        for token in date_tokens(day):
            scores[token] = scores.get(token, 0.0) + FIELD_WEIGHTS["date"]
            masks[token] = masks.get(token, 0) | FIELD_BITS["date"]
    postings = {t: Posting(round(scores[t], 4), masks[t]) for t in scores}
    if len(postings) > MAX_TOKENS_PER_DOCUMENT:
        # Keep the most telling tokens: higher score first, then fewer fields (rarer).
        ranked = sorted(postings, key=lambda t: (-postings[t].score, t))
        postings = {t: postings[t] for t in ranked[:MAX_TOKENS_PER_DOCUMENT]}
    return postings


def group_token(group_type: str, group_key: str) -> str:
    """The token that lists a group's documents (used for the group filter)."""
    return f"{GROUP_TOKEN_PREFIX}{group_type}:{group_key}"


def token_hash(postings: dict[str, Posting], day: date | None) -> str:
    """A fingerprint of everything the index holds for a document."""
    body = json.dumps(
        {"v": SEARCH_VERSION, "d": date_number(day),
         "p": sorted((t, p.score, p.fields_mask) for t, p in postings.items())},
        ensure_ascii=False, separators=(",", ":"),
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()[:32]


def parse_date_word(word: str) -> str | None:
    """``2024`` / ``2024年5月`` / ``2024/5/1`` → a date token, else ``None``."""
    text = _nfkc(word).strip()
    for pattern, parts in ((_DAY, 3), (_COMPACT_DAY, 3), (_MONTH, 2), (_YEAR, 1)):
        match = pattern.match(text)
        if not match:
            continue
        numbers = [int(g) for g in match.groups()]
        year = numbers[0]
        if not 1900 <= year <= 2199:
            return None
        if parts == 1:
            return f"{year:04d}"
        if not 1 <= numbers[1] <= 12:
            return None
        if parts == 2:
            return f"{year:04d}-{numbers[1]:02d}"
        try:
            return date(year, numbers[1], numbers[2]).isoformat()
        except ValueError:
            return None
    return None


def query_tokens(text: str) -> list[str]:
    """The tokens a document must all have to match ``text`` (AND across words)."""
    required: list[str] = []
    for raw_word in _nfkc(text).split():
        as_date = parse_date_word(raw_word)
        if as_date is not None:
            required.append(as_date)
            continue
        for segment in _segments(raw_word):
            for run in _RUNS.findall(segment):
                if _ASCII_RUN.fullmatch(run):
                    required.append(run)
                    continue
                grams = _bigrams(run)
                cover = grams[::2]
                if grams and grams[-1] not in cover:
                    cover.append(grams[-1])
                required.extend(cover)
    return list(dict.fromkeys(required))
