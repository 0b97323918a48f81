"""Masters the demo (and the accuracy benchmark) seed into Firestore so resolution has
something to match: document types, clients, providers and care managers of a small
居宅介護支援事業所, in the seed's ``masters/{type}/items/{id}`` shape."""

from __future__ import annotations

from typing import Any

from google.cloud import firestore

DEMO_MASTERS: dict[str, list[dict[str, Any]]] = {
    "documents": [
        {"id": "doc-service-ticket", "name": "サービス提供票", "dateMarker": "作成日",
         "category": "給付管理", "keywords": ["サービス提供票", "提供票", "利用票"]},
        {"id": "doc-nursing-report", "name": "訪問看護報告書", "dateMarker": "報告日",
         "category": "医療連携", "keywords": ["訪問看護報告書", "看護の内容", "病状の経過"]},
        {"id": "doc-care-plan", "name": "居宅サービス計画書", "dateMarker": "作成年月日",
         "category": "ケアプラン", "keywords": ["居宅サービス計画書", "総合的な援助の方針"]},
        {"id": "doc-day-care-plan", "name": "通所介護計画書", "dateMarker": "作成日",
         "category": "個別計画", "keywords": ["通所介護計画書", "長期目標", "短期目標"]},
        {"id": "doc-doctor-opinion", "name": "主治医意見書", "dateMarker": "記入日",
         "category": "医療連携", "keywords": ["主治医意見書"]},
    ],
    "customers": [
        {"id": "cust-sato-hanako", "name": "佐藤 花子", "furigana": "さとう はなこ",
         "isDuplicate": False, "careManagerName": "中村 由美"},
        {"id": "cust-yamada-taro", "name": "山田 太郎", "furigana": "やまだ たろう",
         "isDuplicate": False, "careManagerName": "小林 健二"},
        {"id": "cust-suzuki-ichiro", "name": "鈴木 一郎", "furigana": "すずき いちろう",
         "isDuplicate": False, "careManagerName": "小林 健二"},
        {"id": "cust-takahashi-miyoko", "name": "高橋 美代子", "furigana": "たかはし みよこ",
         "isDuplicate": False, "careManagerName": "中村 由美"},
        {"id": "cust-tanaka-masao", "name": "田中 正雄", "furigana": "たなか まさお",
         "isDuplicate": False, "careManagerName": "中村 由美"},
        {"id": "cust-ito-kazuko", "name": "伊藤 和子", "furigana": "いとう かずこ",
         "isDuplicate": False, "careManagerName": "小林 健二"},
    ],
    "offices": [
        {"id": "office-sakura", "name": "訪問介護ステーションさくら", "shortName": "さくら",
         "isDuplicate": False},
        {"id": "office-aoba", "name": "あおば訪問看護ステーション", "shortName": "あおば",
         "isDuplicate": False},
        {"id": "office-himawari", "name": "ケアプランセンターひまわり",
         "shortName": "ひまわり", "isDuplicate": False},
        {"id": "office-midori", "name": "デイサービスみどり", "shortName": "みどり",
         "isDuplicate": False},
    ],
    "caremanagers": [
        {"id": "cm-nakamura", "name": "中村 由美", "email": "nakamura@example.jp"},
        {"id": "cm-kobayashi", "name": "小林 健二", "email": "kobayashi@example.jp"},
    ],
}


def seed_demo_masters(db: firestore.Client) -> int:
    """Write the demo masters (idempotent: fixed ids); returns how many items."""
    batch = db.batch()
    count = 0
    for master_type, items in DEMO_MASTERS.items():
        collection = db.collection("masters").document(master_type).collection("items")
        for item in items:
            fields = {k: v for k, v in item.items() if k != "id"}
            batch.set(collection.document(item["id"]), fields)
            count += 1
    batch.commit()
    return count
