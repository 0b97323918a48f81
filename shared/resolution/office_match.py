"""OCR-tolerant matching of office keys inside a line of text.

Why a module of its own: office names are long (10–30 characters) and made of a rare
brand (ケアサポート平和, 松風の森) plus common service words (訪問看護ステーション) and
sometimes a branch (本町店, 阿佐谷センター). Heavy OCR noise damages every few
characters, so exact bi-grams alone lose most of a name; and it often damages exactly the
part that separates two offices of one brand.

Three ideas, each independent of any particular master list:

* **Confusable folding.** Both the key and the text are compared in a *folded* form:
  characters OCR mistakes for one another (ロ/口, ー/一/-, ソ/ン, カ/力 … the groups of
  :data:`shared.normalize.CONFUSABLES`) become one representative, and characters that
  never carry a name (punctuation, symbols, combining marks, stroke fragments such as
  丶 丨) are dropped. A confusion then costs nothing and a speck does not split a word.
* **Alignment plus rarity.** A key's similarity to the text is the mean of its best
  alignment (partial ratio against a window of the text) and the share of its bi-grams,
  weighted by rarity (IDF over the master list), found in the text.
* **Covering keys.** When one office's key is read inside the span where a *longer* key
  of another office is also read, and the longer key accounts for more characters of the
  text (the brand and service are shared, the longer one adds a branch or a second brand
  word that the text shows), the shorter key is not evidence for itself alone: the text
  names more than it. A longer key whose extra part the text simply lacks covers nothing.
  If the longer key is read well, it wins; if its extra part is half destroyed, both stay
  close and the caller's margin leaves the choice to a person.
"""

from __future__ import annotations

import math
import unicodedata
import weakref
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz
from rapidfuzz.distance import LCSseq

from shared.normalize import CONFUSABLES, to_hiragana
from shared.resolution.index import MasterIndex, bigrams

MAX_ALIGNED = 40  # keys aligned per mention: bounds the work whatever the master size
MIN_RARE_COVER = 0.4  # share of a key's rare bi-grams a text must show to be aligned
COVER_MIN_SIM = 0.75  # a longer key read at least this well covers a shorter one
COVER_EXTRA = 2.0  # … and accounts for at least this many more characters of the text
COVER_GAP = 0.1  # how far a covered key falls below the key covering it
GENERIC_FUZZY_LEN = 6  # a generic key this long may match a damaged whole value
_STROKES = frozenset("丶丿亅冫丨乚丷")


def _fold_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for group in CONFUSABLES:
        rep = to_hiragana(group[0])
        for ch in group:
            for form in (ch, to_hiragana(ch), ch.lower()):
                table.setdefault(ord(form), rep)
    return table


_FOLD = _fold_table()


@lru_cache(maxsize=4096)
def _is_dropped(ch: str) -> bool:
    if ch in _STROKES or ch.isspace():
        return True
    return unicodedata.category(ch)[0] in "PSZCM" and ord(ch) not in _FOLD


@lru_cache(maxsize=200_000)
def fold(text: str) -> str:
    """Confusables to one representative, characters that are never a name dropped.
    ``text`` is an office key (normalised, no spaces, kana as hiragana)."""
    return "".join(ch for ch in text if not _is_dropped(ch)).translate(_FOLD)


@dataclass(slots=True)
class FoldedOffices:
    """The office keys of one index in folded form, with bi-gram postings and IDF."""

    keys: list[str]
    grams: dict[str, list[int]]
    idf: dict[str, float]
    stop: frozenset[str]
    idf_total: list[float]
    idf_rare: list[float]
    common: list[int]  # keys made only of stop bi-grams: found by containment


_CACHE: weakref.WeakKeyDictionary[MasterIndex, FoldedOffices] = weakref.WeakKeyDictionary()


def folded_offices(index: MasterIndex) -> FoldedOffices:
    """Built once per index (the index is immutable once built)."""
    got = _CACHE.get(index)
    if got is not None:
        return got
    keys = [fold(k.key) for k in index.office_keys]
    grams: dict[str, list[int]] = defaultdict(list)
    for ki, k in enumerate(keys):
        for g in set(bigrams(k)):
            grams[g].append(ki)
    n = max(1, len(index.offices))
    df = {g: len({index.office_keys[k].office for k in ks}) for g, ks in grams.items()}
    idf = {g: math.log(1 + n / d) for g, d in df.items()}
    stop = frozenset(g for g, d in df.items() if d > max(30, n // 30))
    idf_total: list[float] = []
    idf_rare: list[float] = []
    common: list[int] = []
    for ki, k in enumerate(keys):
        gs = set(bigrams(k))
        idf_total.append(sum(idf[g] for g in gs))
        idf_rare.append(sum(idf[g] for g in gs if g not in stop))
        if idf_rare[-1] <= 0:
            common.append(ki)
    got = FoldedOffices(keys, dict(grams), idf, stop, idf_total, idf_rare, common)
    _CACHE[index] = got
    return got


@dataclass(frozen=True, slots=True)
class KeyMatch:
    sim: float
    start: int  # span of the text (folded) the key was read in
    end: int
    length: int  # the key's length (folded)
    explained: float  # characters of the text the key's alignment accounts for


@lru_cache(maxsize=100_000)
def _align(key: str, text: str) -> tuple[float, int, int]:
    """Best alignment of the whole key against a window of the text: (score, span)."""
    pos = text.find(key)
    if pos >= 0:
        return 1.0, pos, pos + len(key)
    if len(text) < len(key):
        # the text is a part of the key at best: its ratio, shrunk by what is missing
        r = fuzz.ratio(key, text) / 100.0 * (len(text) / len(key)) ** 0.5
        return r, 0, len(text)
    a = fuzz.partial_ratio_alignment(key, text)
    if a is None:
        return 0.0, 0, 0
    return a.score / 100.0, a.dest_start, a.dest_end


@lru_cache(maxsize=100_000)
def _shared(key: str, window: str) -> int:
    return int(LCSseq.similarity(key, window))


def match_text(text_key: str, index: MasterIndex) -> dict[int, float]:
    """Office → similarity in [0, 1] of the best of its keys read in ``text_key`` (an
    :func:`~shared.resolution.index.office_key` of a line or value)."""
    fo = folded_offices(index)
    text = fold(text_key)
    if len(text) < 2:
        return {}
    all_grams = set(bigrams(text))
    cover: dict[int, float] = defaultdict(float)
    for g in all_grams:
        if g in fo.stop:
            continue
        for ki in fo.grams.get(g, ()):
            cover[ki] += fo.idf[g]
    ordered = sorted(
        ((min(1.0, c / fo.idf_rare[ki]), c, ki) for ki, c in cover.items()
         if fo.idf_rare[ki] > 0),
        reverse=True,
    )[:MAX_ALIGNED]
    ranked = [ki for cov, _c, ki in ordered if cov >= MIN_RARE_COVER]
    ranked += [ki for ki in fo.common if fo.keys[ki] and fo.keys[ki] in text]
    found: dict[int, list[KeyMatch]] = defaultdict(list)
    for ki in ranked:
        k = index.office_keys[ki]
        key = fo.keys[ki]
        if not key:
            continue
        if k.generic:
            # a generic key (ケア, 訪問介護事業所 …) counts only as the whole value, which
            # OCR may have damaged: compared whole, both ends anchored
            if text == key:
                found[k.office].append(KeyMatch(1.0, 0, len(text), len(key), float(len(key))))
                continue
            # (misread characters only: one more or one fewer would be another name, as
            # 幸和デイサービスセンター is not 和デイサービスセンター)
            if len(key) < GENERIC_FUZZY_LEN or len(text) != len(key):
                continue
            score, s, e = fuzz.ratio(key, text) / 100.0, 0, len(text)
        else:
            score, s, e = _align(key, text)
        # characters of the key found, in order, in the window it was read in
        explained = float(len(key)) if score >= 1.0 else float(_shared(key, text[s:e]))
        if score < 1.0:
            # verified over all the key's bi-grams, common ones included (訪問介護/看護)
            shared = sum(fo.idf[g] for g in set(bigrams(key)) & all_grams)
            cov = shared / max(fo.idf_total[ki], 1e-9)
            score = 0.5 * score + 0.5 * cov
        found[k.office].append(KeyMatch(score, s, e, len(key), explained))
    return _covered(found)


def _covered(found: dict[int, list[KeyMatch]]) -> dict[int, float]:
    """Each office's best similarity, lowered where another office's longer key was read
    over the same span nearly as well and accounts for more of the text (see the module
    docstring). An office is judged by the key of it, read well enough, that accounts for
    most of the text (its full name, say, rather than its short name read inside it)."""
    out = {oi: max(m.sim for m in ms) for oi, ms in found.items()}
    widest: dict[int, KeyMatch] = {}
    for oi, ms in found.items():
        read = [m for m in ms if m.sim >= COVER_MIN_SIM]
        widest[oi] = (max(read, key=lambda m: (m.explained, m.sim)) if read
                      else max(ms, key=lambda m: m.sim))
    covering = [(oi, m) for oi, m in widest.items() if m.sim >= COVER_MIN_SIM]
    for oi, m in widest.items():
        for oj, n in covering:
            if oj == oi or n.explained < m.explained + COVER_EXTRA:
                continue
            if n.start <= m.start + 1 and n.end >= m.end - 1:
                out[oi] = min(out[oi], n.sim - COVER_GAP)
    return out
