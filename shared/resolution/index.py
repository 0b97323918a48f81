"""The masters, indexed once for resolution (not per document).

Everything a document's resolution looks up is precomputed here: normalised keys,
character bi-gram postings (so a document touches only the masters that share text with
it, and the cost grows with the matches, not with the master size), same-name groups
computed from the list itself (never from a stored ``isDuplicate`` flag, which goes stale),
office keys with and without legal forms, and which office keys are too generic to be
matched as a substring of longer text.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from shared.models.masters import (
    MasterCareManager,
    MasterCustomer,
    MasterDocumentType,
    MasterOffice,
    MastersFile,
)
from shared.normalize import match_key, normalize_key, normalize_text, to_hiragana

# Legal forms (法人格), after NFKC. Abbreviations are first expanded so that (株)X, ㈱X and
# 株式会社X give one key; then every form is removed from office keys, because documents
# write the name with, without or with an abbreviated legal form.
_LEGAL_ABBREVIATIONS = {
    "(株)": "株式会社", "(有)": "有限会社", "(合)": "合同会社", "(医)": "医療法人",
    "(福)": "社会福祉法人", "(社福)": "社会福祉法人", "(特非)": "特定非営利活動法人",
    "(一社)": "一般社団法人", "(公社)": "公益社団法人", "(一財)": "一般財団法人",
    "(公財)": "公益財団法人", "(医社)": "医療法人社団", "(社)": "社団法人",
    "(財)": "財団法人", "(生協)": "生活協同組合",
}
LEGAL_FORMS = (
    "特定非営利活動法人", "地方独立行政法人", "独立行政法人", "医療生活協同組合",
    "生活協同組合", "社会福祉法人", "社会医療法人", "医療法人社団", "医療法人財団",
    "一般社団法人", "公益社団法人", "一般財団法人", "公益財団法人", "株式会社", "有限会社",
    "合同会社", "合資会社", "合名会社", "医療法人", "社団法人", "財団法人", "NPO法人",
    "npo法人",
)
_LEGAL_RE = re.compile("|".join(re.escape(f) for f in LEGAL_FORMS))
_ABBR_RE = re.compile("|".join(re.escape(a) for a in _LEGAL_ABBREVIATIONS))
# Service-type and facility words: an office key made only of these (plus a character or
# two) names no particular office.
GENERIC_WORDS = (
    "居宅介護支援事業所", "居宅介護支援", "訪問介護事業所", "訪問介護", "訪問看護ステーション",
    "訪問看護", "ステーション", "デイサービスセンター", "デイサービス", "ショートステイ",
    "小規模多機能型居宅介護", "小規模多機能", "福祉用具貸与事業所", "福祉用具", "事業所",
    "センター", "ケアプランセンター", "ヘルパーステーション", "クリニック", "病院", "医院",
    "診療所", "グループホーム", "ケア", "サポート", "ホーム", "ライフ", "サービス", "介護",
    "福祉", "営業所", "支店", "本店", "店", "苑", "の里", "の家", "会", "旧",
)
# 社会福祉法人X会 / 医療法人社団X会: the corporation's name, which documents often omit
_CORP_NAME_RE = re.compile(
    r"(社会福祉法人|医療法人社団|医療法人財団|社会医療法人|医療法人)\s*\S+?会\s*"
)
_GENERIC_RE = re.compile("|".join(re.escape(normalize_key(w)) for w in GENERIC_WORDS))


def canonical_legal(text: str) -> str:
    """(株) → 株式会社 etc. on normalised text (the abbreviations NFKC produces from ㈱)."""
    return _ABBR_RE.sub(lambda m: _LEGAL_ABBREVIATIONS[m.group(0)], text)


def strip_legal(key: str) -> str:
    """A normalised key without legal forms (株式会社 … 特定非営利活動法人)."""
    return _LEGAL_RE.sub("", canonical_legal(key))


def office_key(text: str) -> str:
    """The comparison key of an office name: normalised, no spaces, no legal form."""
    return strip_legal(normalize_key(canonical_legal(normalize_text(text))))


def is_generic_office_name(name: str) -> bool:
    """An office name that would match everywhere on its own: three characters or fewer
    once normalised without legal form, or nothing but service words (ケア, サポート,
    訪問介護事業所 …) and at most one other character."""
    key = office_key(name)
    return len(key) <= 3 or len(_GENERIC_RE.sub("", key)) < 2


def bigrams(s: str) -> list[str]:
    """Character bi-grams (a one-character string is its own gram)."""
    if len(s) < 2:
        return [s] if s else []
    return [s[i : i + 2] for i in range(len(s) - 1)]


@dataclass(slots=True)
class DocTypeEntry:
    id: str
    name: str
    category: str
    date_marker: str
    keys: list[str]  # name and aliases, normalised
    keywords: list[str]


@dataclass(slots=True)
class CustomerEntry:
    id: str
    name: str
    furigana: str
    key: str  # normalised name, no spaces
    reading: str  # hiragana, no spaces
    surname: str  # the part before the first space in the master name, when given
    care_manager: str | None
    care_manager_key: str
    aliases: list[str]
    birth_date: str | None
    same_name: list[int] = field(default_factory=list)  # other indexes with the same key


@dataclass(slots=True)
class OfficeKey:
    office: int
    key: str
    kind: str  # name | short | alias | facility
    generic: bool
    idf_total: float = 0.0
    idf_rare: float = 0.0  # over the key's bi-grams that are not stop-grams


@dataclass(slots=True)
class OfficeEntry:
    id: str
    name: str
    short_name: str | None
    keys: list[int]  # indexes into MasterIndex.office_keys


def _unique(items: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for i in items:
        if i:
            seen.setdefault(i, None)
    return list(seen)


class MasterIndex:
    """All four masters, normalised and indexed. Build once, reuse for every document."""

    def __init__(
        self,
        documents: Iterable[MasterDocumentType],
        customers: Iterable[MasterCustomer],
        offices: Iterable[MasterOffice],
        caremanagers: Iterable[MasterCareManager] = (),
    ) -> None:
        self.doc_types = [
            DocTypeEntry(
                id=d.id or d.name,
                name=d.name,
                category=d.category,
                date_marker=normalize_text(d.date_marker).replace(" ", ""),
                keys=_unique(match_key(k) for k in [d.name, *d.aliases]),
                keywords=_unique(match_key(k) for k in d.keywords),
            )
            for d in documents
        ]
        all_keys = sorted({k for d in self.doc_types for k in d.keys if k}, key=len, reverse=True)
        # one pass over a line finds whether any type name is in it at all
        self.doc_key_regex = re.compile("|".join(re.escape(k) for k in all_keys) or r"(?!)")
        self._build_customers(list(customers))
        self._build_offices(list(offices))
        self.care_managers = [c.name for c in caremanagers]
        self.care_manager_keys = {normalize_key(c.name): c.name for c in caremanagers}

    # ---------------------------------------------------------------- customers
    def _build_customers(self, customers: list[MasterCustomer]) -> None:
        self.customers: list[CustomerEntry] = []
        by_key: dict[str, list[int]] = defaultdict(list)
        for m in customers:
            raw = normalize_text(m.name)
            parts = raw.split(" ")
            entry = CustomerEntry(
                id=m.id or m.name,
                name=m.name,
                furigana=m.furigana,
                key=normalize_key(m.name),
                reading=to_hiragana(normalize_key(m.furigana)),
                surname=normalize_key(parts[0]) if len(parts) > 1 else "",
                care_manager=m.care_manager_name,
                care_manager_key=normalize_key(m.care_manager_name or ""),
                aliases=_unique(normalize_key(a) for a in m.aliases),
                birth_date=m.birth_date,
            )
            if not entry.key:
                continue
            by_key[entry.key].append(len(self.customers))
            self.customers.append(entry)
        for members in by_key.values():
            if len(members) > 1:
                for i in members:
                    self.customers[i].same_name = [j for j in members if j != i]
        self.customer_by_key = dict(by_key)
        self.customer_by_alias: dict[str, list[int]] = defaultdict(list)
        self.customer_grams: dict[str, list[int]] = defaultdict(list)
        self.customer_chars: dict[str, list[int]] = defaultdict(list)
        self.reading_by_key: dict[str, list[int]] = defaultdict(list)
        self.reading_grams: dict[str, list[int]] = defaultdict(list)
        for i, ce in enumerate(self.customers):
            self._index_customer(i, ce)
        n = max(1, len(self.customers))
        self.customer_char_idf = {
            ch: math.log(1 + n / len(ids)) for ch, ids in self.customer_chars.items()
        }
        self.customer_name_chars = frozenset(self.customer_chars)

    def _index_customer(self, i: int, c: CustomerEntry) -> None:
        for a in c.aliases:
            self.customer_by_alias[a].append(i)
        for g in set(bigrams(c.key)).union(*(bigrams(a) for a in c.aliases)):
            self.customer_grams[g].append(i)
        for ch in set(c.key):
            self.customer_chars[ch].append(i)
        if c.reading:
            self.reading_by_key[c.reading].append(i)
            for g in set(bigrams(c.reading)):
                self.reading_grams[g].append(i)

    # ---------------------------------------------------------------- offices
    def _build_offices(self, offices: list[MasterOffice]) -> None:
        self.offices: list[OfficeEntry] = []
        self.office_keys: list[OfficeKey] = []
        for o in offices:
            entry = OfficeEntry(id=o.id or o.name, name=o.name, short_name=o.short_name, keys=[])
            oi = len(self.offices)
            raw = canonical_legal(normalize_text(o.name))
            candidates: list[tuple[str, str]] = [(office_key(o.name), "name")]
            # without the corporation's own name (社会福祉法人朝日会 朝日訪問介護事業所)
            facility = _CORP_NAME_RE.sub("", raw)
            if facility != raw:
                candidates.append((office_key(facility), "facility"))
            if o.short_name:
                candidates.append((office_key(o.short_name), "short"))
            candidates += [(office_key(a), "alias") for a in o.aliases]
            seen: set[str] = set()
            for key, kind in candidates:
                if key and key not in seen:
                    seen.add(key)
                    entry.keys.append(len(self.office_keys))
                    self.office_keys.append(OfficeKey(oi, key, kind, generic=False))
            self.offices.append(entry)
        self.office_by_key: dict[str, list[int]] = defaultdict(list)
        self.office_grams: dict[str, list[int]] = defaultdict(list)
        for ki, k in enumerate(self.office_keys):
            self.office_by_key[k.key].append(ki)
            for g in set(bigrams(k.key)):
                self.office_grams[g].append(ki)
        n_offices = max(1, len(self.offices))
        self.office_gram_idf = {
            g: math.log(1 + n_offices / len({self.office_keys[k].office for k in ks}))
            for g, ks in self.office_grams.items()
        }
        # bi-grams shared by many offices (事業, 業所, 訪問 …) say little and would make
        # every look-up touch a large share of the list: they are not used for retrieval
        stop_df = max(30, n_offices // 30)
        self.office_stop_grams = frozenset(
            g for g, ks in self.office_grams.items()
            if len({self.office_keys[k].office for k in ks}) > stop_df
        )
        self.office_common_keys: list[int] = []
        for ki, k in enumerate(self.office_keys):
            grams = set(bigrams(k.key))  # distinct, as retrieval counts them
            k.idf_total = sum(self.office_gram_idf.get(g, 0.0) for g in grams)
            k.idf_rare = sum(self.office_gram_idf.get(g, 0.0) for g in grams
                             if g not in self.office_stop_grams)
            k.generic = self._is_generic(k)
            if k.idf_rare <= 0:
                self.office_common_keys.append(ki)

    def _is_generic(self, k: OfficeKey) -> bool:
        """A key that would match everywhere: too short, only service words, or contained
        in the keys of several *other* offices (computed from the list, not hand-kept)."""
        distinctive = _GENERIC_RE.sub("", k.key)
        if len(k.key) <= 3 or len(distinctive) < 2:
            return True
        grams = bigrams(k.key)
        if not grams:
            return True
        rarest = min(grams, key=lambda g: len(self.office_grams.get(g, ())))
        others = {
            self.office_keys[j].office
            for j in self.office_grams.get(rarest, ())
            if self.office_keys[j].office != k.office and k.key in self.office_keys[j].key
        }
        return len(others) >= 2

    # ---------------------------------------------------------------- construction
    @classmethod
    def from_masters_file(cls, masters: MastersFile) -> MasterIndex:
        return cls(masters.documents, masters.customers, masters.offices, masters.caremanagers)

    @classmethod
    def from_rows(cls, rows: Mapping[str, list[dict[str, Any]]]) -> MasterIndex:
        """From raw rows by type (Firestore items or the kit's JSON)."""
        return cls.from_masters_file(MastersFile.model_validate(dict(rows)))

    def doc_type(self, type_id: str) -> DocTypeEntry | None:
        for d in self.doc_types:
            if d.id == type_id:
                return d
        return None
