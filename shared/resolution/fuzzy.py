"""Confusable-aware approximate matching of short names inside longer text.

Why not a fixed window or a ratio from a general fuzzy library: Japanese personal names
are 2–5 characters, so one OCR error is 20–50 % of the name, and a window sized for long
strings never fires. Instead the whole name is aligned against *any* substring of a short
region of text (semi-global edit distance, Sellers' algorithm), with OCR confusables from
:mod:`shared.normalize` as cheap substitutions and stray symbols as cheap insertions.
The cost is then turned into a similarity that depends on the name's length.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from shared.normalize import confusable_class

SUB_COST = 1.0
CONFUSABLE_COST = 0.25
# in a short personal name a glyph OCR cannot tell apart (田/由, 大/太, カ/力) is close to
# no evidence against the name: nearly free, yet still dearer than an exact read
NAME_CONFUSABLE_COST = 0.15
DELETE_COST = 0.9  # a name character OCR dropped
INSERT_COST = 1.0  # an extra character inside the name
NOISE_INSERT_COST = 0.4  # an extra symbol / latin / space inside the name

# Stroke fragments OCR produces from specks and rules (丶 丿 亅 冫 丨 乚 丷): they are
# unified ideographs, but radicals that never stand alone in a name, so inside a name they
# are noise like a stray symbol, not a wrong character.
STROKE_FRAGMENTS = frozenset("丶丿亅冫丨乚丷")


@dataclass(frozen=True, slots=True)
class Alignment:
    """Best placement of a pattern in a text: its cost and the text span [start, end)."""

    cost: float
    start: int
    end: int

    def similarity(self, length: int) -> float:
        """1 for an exact match, falling with the cost relative to the name's length."""
        if length <= 0:
            return 0.0
        return max(0.0, 1.0 - self.cost / length)


@lru_cache(maxsize=8192)
def is_noise(ch: str) -> bool:
    if ch.isspace() or ch in STROKE_FRAGMENTS:
        return True
    cat = unicodedata.category(ch)
    return cat[0] in "PSZCM" or (ch.isascii() and not ch.isdigit())


def _sub_cost(a: str, b: str, confusable_cost: float = CONFUSABLE_COST) -> float:
    if a == b:
        return 0.0
    ca = confusable_class(a)
    if ca != -1 and ca == confusable_class(b):
        return confusable_cost
    return SUB_COST


def align(pattern: str, text: str, confusable_cost: float = CONFUSABLE_COST) -> Alignment:
    """Cheapest alignment of all of ``pattern`` to a substring of ``text``.

    ``confusable_cost``: what a swap inside a confusable group costs. Names pass a lower
    one (:data:`NAME_CONFUSABLE_COST`) than titles: a 2–5 character name has no
    redundancy to absorb a quarter-edit per glyph OCR cannot tell apart."""
    m, n = len(pattern), len(text)
    if m == 0:
        return Alignment(0.0, 0, 0)
    if n == 0:
        return Alignment(DELETE_COST * m, 0, 0)
    # prev[j]: cost of aligning pattern[:i] ending at text[:j]; start[j]: where it began.
    prev = [0.0] * (n + 1)
    prev_start = list(range(n + 1))
    noise = [is_noise(c) for c in text]
    for i in range(1, m + 1):
        pc = pattern[i - 1]
        cur = [prev[0] + DELETE_COST] + [0.0] * n
        cur_start = [0] * (n + 1)
        for j in range(1, n + 1):
            tc = text[j - 1]
            best = prev[j - 1] + _sub_cost(pc, tc, confusable_cost)
            st = prev_start[j - 1]
            d = prev[j] + DELETE_COST
            if d < best:
                best, st = d, prev_start[j]
            ins = cur[j - 1] + (NOISE_INSERT_COST if noise[j - 1] else INSERT_COST)
            if ins < best:
                best, st = ins, cur_start[j - 1]
            cur[j] = best
            cur_start[j] = st
        prev, prev_start = cur, cur_start
    best_j = min(range(1, n + 1), key=lambda j: (prev[j], -j))
    return Alignment(prev[best_j], prev_start[best_j], best_j)


def similarity(a: str, b: str) -> float:
    """Whole-string similarity (both ends anchored), confusable-aware, in [0, 1]."""
    if not a or not b:
        return 0.0
    m, n = len(a), len(b)
    prev = [j * INSERT_COST for j in range(n + 1)]
    for i in range(1, m + 1):
        cur = [i * DELETE_COST] + [0.0] * n
        for j in range(1, n + 1):
            cur[j] = min(
                prev[j - 1] + _sub_cost(a[i - 1], b[j - 1]),
                prev[j] + DELETE_COST,
                cur[j - 1] + INSERT_COST,
            )
        prev = cur
    return max(0.0, 1.0 - prev[n] / max(m, n))
