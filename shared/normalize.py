"""The one Japanese text normaliser: resolution, group keys and search all use it.

Why one module: if resolution folds 髙橋 to 高橋 but the search index does not, a person
finds a document under one spelling and not the other; if group keys fold differently from
resolution, one customer shows up as two groups. So every place that compares Japanese
text calls the functions here, and nothing else re-implements them.

What is folded, and why each step is deliberate:

- **NFKC** (``unicodedata``): full-width ASCII and digits to half width, half-width katakana
  to full width, circled and parenthesised forms (㈱ → (株)), and the CJK *compatibility*
  ideographs that have a canonical decomposition (塚 U+FA10 → 塚).
- **Old and variant kanji (旧字体・異体字)** through ``jpnorm`` (PyPI, MIT/Apache-2.0, a
  maintained Rust-core normaliser): its ``kyujitai_to_shinjitai`` table (the ~310 旧字体 of
  the official 常用/人名用 lists: 國→国, 廣→広, 澤→沢, 邊→辺, 齋→斎 …) and its
  ``unify_itaiji`` table of person- and place-name variants (髙→高, 﨑→崎, 邉→辺, 濵→浜,
  嶋→島, 𠮷→吉 …), which NFKC cannot do because most of these are ordinary unified
  ideographs, and 﨑 (U+FA11) is one of the twelve compatibility-block ideographs with *no*
  decomposition. A hand list of ten would miss most of what faxes contain; a maintained
  table does not. ``_SUPPLEMENT`` adds the few name variants the table lacks (checked
  by the unit tests), and 齊→斎 as the resolution issue specifies (jpnorm's official
  mapping is 齊→斉; in names 齊藤 is registered as 斎藤 as often as 斉藤, and 斉/斎 are
  also a cheap OCR confusable in :data:`CONFUSABLES`, so either registration still matches).
- **Whitespace**: runs of spaces (including U+3000) collapse to one; line breaks are kept
  by :func:`normalize_text` because lines are evidence (a title line, a 利用者 line), and
  removed by :func:`normalize_key`, because 山田 太郎 and 山田太郎 are one person.
- **Kana**: :func:`to_hiragana` folds katakana readings to hiragana (フリガナ/ふりがな).
- **Honorifics and role words**: :func:`strip_honorifics` removes 様, 殿, 御中, 利用者,
  氏名 … at the *ends* of a value, never inside it.
- **OCR confusables** (ロ/口, カ/力, ニ/二, エ/工, ー/一, 0/O, 1/l/I …) are *not* rewritten
  here: :data:`CONFUSABLES` lists them for fuzzy matching to use as cheap substitutions.
  Rewriting every カ to 力 blindly would corrupt real text (カナ → 力ナ).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import jpnorm

__all__ = [
    "CONFUSABLES",
    "confusable_class",
    "fold_kanji",
    "match_key",
    "normalize_key",
    "normalize_text",
    "strip_honorifics",
    "to_hiragana",
    "to_katakana",
]

_KANJI_FOLDER = jpnorm.Normalizer(
    "none",
    kyujitai_to_shinjitai=True,
    unify_itaiji=True,
    remove_variation_selectors=True,
)

# Name variants the jpnorm tables do not fold (each is checked in test_normalize.py), and
# the 齊→斎 (see the module docstring).
_SUPPLEMENT = str.maketrans({
    "齊": "斎",
    "寳": "宝",
    "桒": "桑",
    "槗": "橋",
    "﨔": "欅",
    "舘": "館",
    "㟢": "崎",
    "嵜": "崎",
    "﨑": "崎",
    "髙": "高",
    "邉": "辺",
    "邊": "辺",
    "濵": "浜",
})

# Dashes and long-vowel look-alikes that NFKC leaves distinct but that carry no meaning
# difference in the documents we read (addresses, phone numbers, dates): one ASCII hyphen.
# The katakana prolonged sound mark ー is *not* in this set (it is part of names).
_DASHES = str.maketrans({c: "-" for c in "‐‑‒–—―−﹣－ｰ"})
_TILDES = str.maketrans({c: "~" for c in "〜～"})

_HSPACE = re.compile(r"[ \t\u00a0\u2000-\u200b\u3000]+")
_ALL_SPACE = re.compile(r"\s+")
_ZERO_WIDTH = re.compile(r"[\u200b-\u200d\u2060\ufeff]")

# Honorifics and role words that wrap a name or an addressee. Ordered longest first so
# that 利用者氏名 is removed whole, not as 氏名 leaving 利用者.
_PREFIX_WORDS = (
    "利用者氏名", "利用者名", "被保険者氏名", "お客様名", "顧客名", "氏名", "利用者",
    "被保険者", "お名前", "名前", "宛先", "宛",
)
_SUFFIX_WORDS = (
    "御中", "様方", "さま", "サマ", "さん", "殿", "様", "各位", "君", "氏",
)
_LABEL_PUNCT = " :：・,、。.()（）「」[]【】<>＜＞"


def fold_kanji(s: str) -> str:
    """Old and variant kanji to their common form (髙→高, 﨑→崎, 澤→沢), nothing else."""
    return _KANJI_FOLDER.normalize(s.translate(_SUPPLEMENT))


@lru_cache(maxsize=65536)
def _normalize_line(line: str) -> str:
    line = unicodedata.normalize("NFKC", line)
    line = _ZERO_WIDTH.sub("", line)
    line = fold_kanji(line)
    line = line.translate(_DASHES).translate(_TILDES)
    return _HSPACE.sub(" ", line).strip()


def normalize_text(s: str) -> str:
    """NFKC, width, 異体字/旧字体 folded, dashes unified, spaces collapsed; lines kept.

    Line breaks (and form feeds between pages) are kept because the engine reads position
    and labels line by line; everything else that differs only in how it was typed or
    scanned is made equal. Safe to call twice (idempotent).
    """
    if not s:
        return ""
    s = s.replace("\r\n", "\n").replace("\r", "\n")
    pages = s.split("\f")
    return "\f".join("\n".join(_normalize_line(ln) for ln in p.split("\n")) for p in pages)


_TO_HIRAGANA = {o: o - 0x60 for o in [*range(0x30A1, 0x30F7), 0x30FD, 0x30FE]}


def to_hiragana(s: str) -> str:
    """Katakana to hiragana (ヤマダ → やまだ), so フリガナ and ふりがな readings compare.

    Only the katakana block that has hiragana counterparts (ァ..ヶ, ヽ ヾ) is moved; the
    prolonged sound mark ー and anything else is left as is. (A translate table: this runs
    thousands of times per long document.)
    """
    return s.translate(_TO_HIRAGANA)


def to_katakana(s: str) -> str:
    """Hiragana to katakana (the reverse of :func:`to_hiragana`), for display and tests."""
    out = []
    for ch in s:
        o = ord(ch)
        if 0x3041 <= o <= 0x3096 or o in (0x309D, 0x309E):
            out.append(chr(o + 0x60))
        else:
            out.append(ch)
    return "".join(out)


def strip_honorifics(s: str) -> str:
    """Remove honorifics and role words around a name: 「利用者氏名：山田 太郎 様」→「山田 太郎」.

    Only the ends are touched (repeatedly, so 「氏名 山田太郎 様 殿」 also works), because
    the same characters inside a value are part of it (an office called 様似ケアセンター).
    A value that would become empty is returned unchanged.
    """
    t = s.strip()
    changed = True
    while changed and t:
        changed = False
        stripped = t.strip(_LABEL_PUNCT + "\u3000")
        if stripped != t:
            t, changed = stripped, True
        for w in _PREFIX_WORDS:
            if t.startswith(w) and len(t) > len(w):
                t, changed = t[len(w):], True
                break
        for w in _SUFFIX_WORDS:
            if t.endswith(w) and len(t) > len(w):
                t, changed = t[: -len(w)], True
                break
    return t if t else s.strip()


def normalize_key(s: str) -> str:
    """The comparison key for group keys and search tokens.

    :func:`normalize_text`, honorifics stripped, every space removed, lower case and
    katakana folded to hiragana, so 「髙橋 ｶｽﾞｵ 様」, 「高橋　カズオ」 and 「高橋かずお」
    give one key. Not for display: the key is lossy by design.
    """
    t = normalize_text(s)
    t = strip_honorifics(_ALL_SPACE.sub(" ", t))
    t = _ALL_SPACE.sub("", t)
    return to_hiragana(t.lower())


def match_key(s: str) -> str:
    """The form text is *compared* in: :func:`normalize_key` without removing honorifics
    (a title such as 居宅サービス計画書（2） or a line of a document must keep every
    character, including those at its ends)."""
    return to_hiragana(_ALL_SPACE.sub("", normalize_text(s)).lower())


# Groups of characters OCR mistakes for one another. Fuzzy matching charges a small cost
# for a substitution inside a group instead of a full edit; the text is never rewritten.
CONFUSABLES: tuple[str, ...] = (
    "ロ口□",
    "カ力か",
    "ニ二こ",
    "エ工",
    "ー一-−―",
    "0OoＯ〇",
    "1lI|!",
    "タ夕",
    "ト卜",
    "ハ八",
    "ヘへ",
    "ベべ",
    "ペぺ",
    "リり",
    "ンソ",
    "シツ",
    "ウう",
    "ノ丿",
    "セせ",
    "キき",
    "モも",
    "チ千",
    "ヒと",
    "オ才",
    "メ×",
    "5S",
    "8B",
    "2Z",
    "斉斎",
    "己已巳",
    "土士",
    "未末",
    "人入",
    "大太犬",
    "日曰目",
    "千干",
    "刀力",
    "王玉",
    "子孑了",
    "田由甲",
)


def _build_confusable_index() -> dict[str, int]:
    index: dict[str, int] = {}
    for i, group in enumerate(CONFUSABLES):
        for ch in group:
            index.setdefault(ch, i)
    return index


_CONFUSABLE_INDEX = _build_confusable_index()


def confusable_class(ch: str) -> int:
    """The confusable group of one character, or -1: equal classes cost little to swap.

    Text compared in :func:`match_key` form has katakana folded to hiragana, so a
    hiragana character is also looked up as its katakana (ろ as ロ, confusable with 口)."""
    found = _CONFUSABLE_INDEX.get(ch)
    if found is None:
        found = _CONFUSABLE_INDEX.get(to_katakana(ch), -1)
    return found
