"""Which document type a text is, from the names, aliases and keywords of the master.

Evidence, strongest first:

- a type's name or alias as the *title*: near the top of a page, filling most of its line
  (decorations such as ＜＞, （控）, （裏面） aside); spaced-out titles (訪 問 介 護 計 画 書)
  are matched on the line without spaces;
- the same elsewhere (a cover sheet's 件名, a file name), weighted lower;
- keywords of the type in the body, as a small bonus that separates look-alikes.

Names are substrings of each other (訪問看護指示書 in 特別訪問看護指示書, 提供票 in
サービス提供票別表), so at one place only the longest matching name counts. Titles
damaged by OCR are matched fuzzily, confusable-aware, on short lines near the top only.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from shared.normalize import match_key
from shared.resolution.fuzzy import align
from shared.resolution.index import DocTypeEntry, MasterIndex
from shared.resolution.text import DocText

_DECORATION = re.compile(
    r"[<>()\[\]{}「」『』【】〈〉《》■□◆◇●○・:：*※\-_~=|/]|控|裏面|続き|別紙|写|様式|第\d+号|\d+/\d+"
)
TOP_LINES = 6
FUZZY_PAGES = 3


@dataclass(frozen=True, slots=True)
class TypeScore:
    type: DocTypeEntry
    score: float


def _position_weight(page: int, index: int, lines_on_top: int) -> float:
    if index < lines_on_top:
        return 1.0 if page == 0 else 0.9
    return 0.55


def _title_fraction(key: str, compact: str) -> float:
    core = _DECORATION.sub("", compact)
    if not core:
        return 0.0
    return min(1.0, len(key) / len(core))


def score_types(doc: DocText, file_name: str, index: MasterIndex) -> list[TypeScore]:
    """Every type with any evidence, best first, scores in [0, 1]."""
    keys: list[tuple[str, int]] = [
        (k, ti) for ti, t in enumerate(index.doc_types) for k in t.keys if k
    ]
    best: dict[int, float] = {}
    mentions: dict[int, int] = {}

    def add(ti: int, s: float) -> None:
        best[ti] = max(best.get(ti, 0.0), s)
        mentions[ti] = mentions.get(ti, 0) + 1

    sources = [(ln.page, ln.index, ln.compact) for ln in doc.lines if not ln.is_fax_header]
    name_part = re.sub(r"\.[A-Za-z0-9]{1,5}$", "", file_name or "")
    if name_part:
        sources.append((-1, 99, match_key(name_part)))
    exact_lines: set[tuple[int, int]] = set()
    for page, idx, compact in sources:
        low = compact
        if not index.doc_key_regex.search(low):
            continue
        found: list[tuple[int, int, int, str]] = []
        for k, ti in keys:
            start = low.find(k)
            while start != -1:
                found.append((start, start + len(k), ti, k))
                start = low.find(k, start + 1)
        if not found:
            continue
        # longest match wins where matches overlap (maximal munch)
        found.sort(key=lambda f: (-(f[1] - f[0]), f[0]))
        kept: list[tuple[int, int, int, str]] = []
        for f in found:
            if all(f[1] <= g[0] or f[0] >= g[1] for g in kept):
                kept.append(f)
        for _s, _e, ti, k in kept:
            if page == -1:
                add(ti, 0.6)
                continue
            frac = _title_fraction(k, low)
            title = 0.5 + 0.5 * frac
            add(ti, title * _position_weight(page, idx, TOP_LINES))
        exact_lines.add((page, idx))
    _fuzzy_titles(doc, keys, exact_lines, add)
    _keywords(doc, index, best)
    out = []
    for ti, s in best.items():
        bonus = min(0.06, 0.02 * (mentions.get(ti, 1) - 1))
        out.append(TypeScore(index.doc_types[ti], min(1.0, s + bonus)))
    out.sort(key=lambda t: -t.score)
    return out


def _fuzzy_titles(doc: DocText, keys: list[tuple[str, int]], exact_lines: set[tuple[int, int]],
                  add: Callable[[int, float], None]) -> None:
    """Short lines near the top of the first pages, against every name, for OCR damage."""
    choices = [k for k, _ in keys]
    for ln in doc.lines:
        if ln.page >= FUZZY_PAGES or ln.index >= TOP_LINES or ln.is_fax_header:
            continue
        if (ln.page, ln.index) in exact_lines:
            continue
        core = _DECORATION.sub("", ln.compact)
        if len(core) < 3 or len(core) > 30:
            continue
        for _k, _score, ci in process.extract(core, choices, scorer=fuzz.partial_ratio,
                                              limit=4, score_cutoff=60):
            key, ti = keys[ci]
            al = align(key, core)
            sim = al.similarity(len(key))
            if sim < 0.6:
                continue
            frac = min(1.0, len(key) / len(core))
            add(ti, 0.9 * sim * (0.5 + 0.5 * frac) * _position_weight(ln.page, ln.index, TOP_LINES))


def _keywords(doc: DocText, index: MasterIndex, best: dict[int, float]) -> None:
    """Keywords only separate types that already have title evidence (a bonus, not a vote)."""
    if not best:
        return
    body = "\n".join(ln.compact for ln in doc.lines[:400])
    for ti in list(best):
        t = index.doc_types[ti]
        hits = sum(1 for kw in t.keywords if kw and kw in body)
        if hits:
            best[ti] = best[ti] + min(0.08, 0.03 * hits)
