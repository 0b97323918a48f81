"""Import masters (書類・顧客・事業所・ケアマネ) into ``masters/{type}/items/{id}``.

    python -m shared.masters_import --file 顧客一覧.csv --type customers [--dry-run]
    python -m shared.masters_import --file masters.json [--type offices] [--dry-run]

Accepted files: CSV in UTF-8 (with or without BOM) or Shift_JIS/CP932, with the header
names offices keep (顧客氏名, フリガナ, 担当ケアマネ, 事業所名, 短縮名, 書類名, 日付位置 …,
or the seed's camelCase), and the benchmark kit's masters JSON.

Parsing and validation (:func:`parse_file`, :func:`validate`) are pure; only
:func:`write_items` touches Firestore. Writing is idempotent: an item whose stored fields
already equal the imported ones is not written again, others are merged (fields the web
client added, such as ``notes``, are kept), so running an import twice changes nothing.
A row without an id gets one derived from its normalised name, stable across runs.

Rejected rows are reported with the reason: an empty name, an id already used earlier in
the file, or an office name so short or generic (ケア, サポート, 訪問介護事業所) that it
would match every document.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from shared.models.masters import MASTER_MODELS, MASTER_TYPES
from shared.normalize import normalize_key
from shared.resolution.index import is_generic_office_name

# Header names as offices keep them → the seed's field names.
HEADERS: dict[str, str] = {
    "id": "id", "ID": "id", "コード": "id", "番号": "id",
    "name": "name", "名称": "name", "名前": "name", "氏名": "name", "顧客氏名": "name",
    "顧客名": "name", "利用者名": "name", "利用者氏名": "name", "事業所名": "name",
    "書類名": "name", "ケアマネ名": "name", "ケアマネジャー名": "name",
    "aliases": "aliases", "別名": "aliases", "別表記": "aliases", "エイリアス": "aliases",
    "furigana": "furigana", "フリガナ": "furigana", "ふりがな": "furigana", "カナ": "furigana",
    "careManagerName": "careManagerName", "担当ケアマネ": "careManagerName",
    "担当CM": "careManagerName", "担当ケアマネジャー": "careManagerName",
    "isDuplicate": "isDuplicate", "同姓同名": "isDuplicate", "同名": "isDuplicate",
    "notes": "notes", "備考": "notes", "区別用補足情報": "notes",
    "shortName": "shortName", "短縮名": "shortName", "略称": "shortName",
    "dateMarker": "dateMarker", "日付位置": "dateMarker", "日付マーカー": "dateMarker",
    "category": "category", "カテゴリー": "category", "カテゴリ": "category",
    "keywords": "keywords", "キーワード": "keywords",
    "email": "email", "メール": "email", "メールアドレス": "email",
    "birthDate": "birthDate", "生年月日": "birthDate",
}
LIST_FIELDS = ("aliases", "keywords")
BOOL_FIELDS = ("isDuplicate",)
_LIST_SPLIT = str.maketrans({c: "," for c in "、，;；|｜/／"})
_TRUE = {"true", "1", "yes", "y", "はい", "有", "あり", "○", "〇", "TRUE", "True"}


@dataclass(frozen=True, slots=True)
class Rejected:
    row: int  # 1-based data row (header not counted); JSON: 1-based item index
    reason: str
    name: str


@dataclass(slots=True)
class ImportReport:
    master_type: str
    items: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    written: int = 0
    unchanged: int = 0

    def summary(self) -> str:
        lines = [f"{self.master_type}: {len(self.items)} accepted, {len(self.rejected)} rejected,"
                 f" {self.written} written, {self.unchanged} unchanged"]
        lines += [f"  row {r.row}: {r.reason} ({r.name!r})" for r in self.rejected]
        lines += [f"  warning: {w}" for w in self.warnings]
        return "\n".join(lines)


# ---------------------------------------------------------------- parsing (pure)
def decode(data: bytes) -> str:
    """UTF-8 (BOM or not), else CP932 (Shift_JIS as Windows and Excel write it)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp932")


def parse_csv(text: str) -> list[dict[str, Any]]:
    """Rows keyed by the seed's field names; unknown columns are dropped."""
    reader = csv.reader(io.StringIO(text))
    rows = list(reader)
    if not rows:
        return []
    header = [HEADERS.get(h.strip().lstrip("\ufeff"), "") for h in rows[0]]
    out = []
    for raw in rows[1:]:
        if not any(cell.strip() for cell in raw):
            continue
        row: dict[str, Any] = {}
        for key, cell in zip(header, raw, strict=False):
            if key:
                row[key] = cell.strip()
        out.append(_coerce(row))
    return out


def _coerce(row: dict[str, Any]) -> dict[str, Any]:
    for f in LIST_FIELDS:
        v = row.get(f)
        if isinstance(v, str):
            row[f] = [p.strip() for p in v.translate(_LIST_SPLIT).split(",") if p.strip()]
    for f in BOOL_FIELDS:
        v = row.get(f)
        if isinstance(v, str):
            row[f] = v.strip() in _TRUE
    return {k: v for k, v in row.items() if v not in ("", None)}


def parse_file(path: Path, master_type: str | None) -> dict[str, list[dict[str, Any]]]:
    """Raw items by master type from a CSV (one type) or the kit's JSON (all types)."""
    data = path.read_bytes()
    if path.suffix.lower() == ".json":
        obj = json.loads(decode(data))
        if isinstance(obj, list):
            if not master_type:
                raise ValueError("a JSON list needs --type")
            return {master_type: [_coerce(dict(i)) for i in obj]}
        types = [master_type] if master_type else [t for t in MASTER_TYPES if t in obj]
        return {t: [_coerce(dict(i)) for i in obj.get(t, [])] for t in types}
    if not master_type:
        raise ValueError("a CSV file needs --type")
    return {master_type: parse_csv(decode(data))}


def stable_id(master_type: str, name: str) -> str:
    """An id from the normalised name: the same row imported twice gets the same id."""
    digest = hashlib.sha1(f"{master_type}:{normalize_key(name)}".encode()).hexdigest()
    return f"{master_type[:3]}_{digest[:16]}"


def validate(master_type: str, rows: Iterable[dict[str, Any]]) -> ImportReport:
    """Accepted items (as stored, camelCase) and rejected rows with their reasons."""
    if master_type not in MASTER_MODELS:
        raise ValueError(f"unknown master type {master_type!r}")
    model = MASTER_MODELS[master_type]
    report = ImportReport(master_type)
    seen: set[str] = set()
    for n, row in enumerate(rows, 1):
        name = str(row.get("name") or "").strip()
        if not name:
            report.rejected.append(Rejected(n, "empty name", ""))
            continue
        if master_type == "offices" and is_generic_office_name(name):
            report.rejected.append(
                Rejected(n, "short generic office name (would match everywhere)", name))
            continue
        item_id = str(row.get("id") or "").strip() or stable_id(master_type, name)
        if item_id in seen:
            report.rejected.append(Rejected(n, f"duplicate id {item_id}", name))
            continue
        if "/" in item_id:
            report.rejected.append(Rejected(n, f"invalid id {item_id} (contains '/')", name))
            continue
        try:
            item = model.model_validate({**row, "id": item_id, "name": name})
        except ValidationError as e:
            report.rejected.append(Rejected(n, f"invalid: {e.errors()[0]['msg']}", name))
            continue
        stored = item.model_dump(by_alias=True, exclude_none=True)
        if master_type == "offices" and stored.get("shortName") \
                and is_generic_office_name(stored["shortName"]):
            report.warnings.append(
                f"row {n}: short name {stored['shortName']!r} is generic and was dropped")
            stored.pop("shortName")
        seen.add(item_id)
        report.items.append(stored)
    return report


# ---------------------------------------------------------------- writing (Firestore)
_TIMESTAMPS = ("createdAt", "updatedAt")


def _comparable(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if k not in _TIMESTAMPS and k != "id"}


def write_items(db: Any, report: ImportReport) -> ImportReport:
    """Write accepted items to ``masters/{type}/items/{id}``; skip unchanged ones."""
    from google.cloud import firestore

    col = db.collection("masters").document(report.master_type).collection("items")
    items = report.items
    for start in range(0, len(items), 300):
        chunk = items[start : start + 300]
        refs = [col.document(i["id"]) for i in chunk]
        existing = {s.id: s.to_dict() or {} for s in db.get_all(refs) if s.exists}
        batch = db.batch()
        pending = 0
        for ref, item in zip(refs, chunk, strict=True):
            data = _comparable(item)
            old = existing.get(ref.id)
            if old is not None and all(old.get(k) == v for k, v in data.items()):
                report.unchanged += 1
                continue
            data["updatedAt"] = firestore.SERVER_TIMESTAMP
            if old is None:
                data["createdAt"] = firestore.SERVER_TIMESTAMP
            batch.set(ref, data, merge=True)
            pending += 1
        if pending:
            batch.commit()
            report.written += pending
    return report


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--file", required=True, type=Path)
    ap.add_argument("--type", choices=MASTER_TYPES)
    ap.add_argument("--dry-run", action="store_true", help="validate and report only")
    a = ap.parse_args(argv)
    try:
        parsed = parse_file(a.file, a.type)
    except (ValueError, UnicodeDecodeError, json.JSONDecodeError) as e:
        print(f"cannot read {a.file}: {e}", file=sys.stderr)
        return 2
    reports = [validate(t, rows) for t, rows in parsed.items()]
    if not a.dry_run:
        from shared.clients import get_db

        db = get_db()
        for r in reports:
            write_items(db, r)
    for r in reports:
        print(r.summary())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
