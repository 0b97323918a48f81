"""The world the rule cases run against: one of each kind of document, seeded as admin.

Field names follow the seeds (the contract with the web client). Server-owned fields are
present so that an update test really has something to overwrite.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests.rules.actors import ACTORS, ALLOWED_DOMAINS, CLINIC, JOINED, OTHER_CLINIC

T0 = datetime(2025, 5, 12, 9, 30, tzinfo=UTC)

DOCUMENT = "documents/doc-yamada-0512"

SEED: dict[str, dict[str, Any]] = {
    "settings/auth": {"allowedDomains": ALLOWED_DOMAINS},
    "settings/app": {
        "targetLabels": ["FAX受信", "書類"], "labelSearchOperator": "OR",
        "errorNotificationEmails": ["kato.makoto@sakura-kaigo.jp"],
    },
    DOCUMENT: {
        "id": "doc-yamada-0512",
        "fileName": "FAX_0312345678_20250512.pdf",
        "fileId": "gmail/18f3a2b4c5d6e7f8/FAX_0312345678_20250512.pdf",
        "mimeType": "application/pdf",
        "fileUrl": "https://storage.cloud.google.com/demo-care-docs-files/gmail/FAX.pdf",
        "sourceType": "gmail",
        "status": "processed",
        "processedAt": T0,
        "updatedAt": T0,
        "ocrResult": "サービス提供票 利用者 山田 太郎 様 令和7年5月分 ひまわり訪問介護",
        "pageResults": [],
        "documentType": "サービス提供票",
        "fileDate": T0,
        "totalPages": 2,
        "targetPageNumber": 1,
        "category": "提供票",
        "customerName": "山田 太郎",
        "customerId": "cust-yamada-taro",
        "customerCandidates": [{"id": "cust-yamada-taro", "name": "山田 太郎",
                                "score": 0.92, "furigana": "やまだ たろう"}],
        "customerConfirmed": False,
        "confirmedBy": None,
        "confirmedAt": None,
        "isDuplicateCustomer": False,
        "officeName": "ひまわり訪問介護",
        "officeId": "office-himawari",
        "officeConfirmed": False,
        "officeConfirmedBy": None,
        "officeConfirmedAt": None,
        "careManager": "佐藤 一郎",
        "customerKey": "やまだたろう",
        "officeKey": "ひまわりほうもんかいご",
        "documentTypeKey": "さーびすていきょうひょう",
        "careManagerKey": "さとういちろう",
        "verified": False,
        "verifiedBy": None,
        "verifiedAt": None,
        "splitSuggestions": [{"start": 1, "end": 1}, {"start": 2, "end": 2}],
        "pageRotations": [],
        "search": {"version": 2, "tokens": ["山田", "太郎", "提供票"], "tokenHash": "9f2c",
                   "indexedAt": T0},
        "md5Hash": "1B2M2Y8AsgTpgAmY7PhCfg==",
        "processingOwner": None,
        "attempts": 1,
    },
    f"{DOCUMENT}/detail/ocr": {
        "pageResults": [{"pageNumber": 1, "status": "ok", "text": "サービス提供票"}],
        "totalPages": 2,
    },
    "masters/customers/items/cust-yamada-taro": {
        "name": "山田 太郎", "furigana": "やまだ たろう", "isDuplicate": False,
        "careManagerName": "佐藤 一郎", "aliases": ["山田太郎"],
    },
    "masters/offices/items/office-himawari": {
        "name": "ひまわり訪問介護", "shortName": "ひまわり", "isDuplicate": False,
    },
    "documentGroups/customer_やまだたろう": {
        "id": "customer_やまだたろう", "groupType": "customer", "groupKey": "やまだたろう",
        "displayName": "山田 太郎", "count": 12, "latestAt": T0, "latestDocs": [],
        "updatedAt": T0,
    },
    "search_index/tok-山田": {"df": 12, "updatedAt": T0, "postings": {}},
    "gmailLogs/gl-18f3a2b4": {
        "fileName": "FAX_0312345678_20250512.pdf", "hash": "1B2M2Y8AsgTpgAmY7PhCfg==",
        "emailSubject": "FAX受信 03-1234-5678", "processedAt": T0,
    },
    "uploadLogs/ul-0001": {"fileName": "訪問看護報告書_5月.pdf", "uploadedBy": "u-staff"},
    "aliasLearningLogs/al-0001": {
        "masterType": "office", "masterId": "office-himawari", "masterName": "ひまわり訪問介護",
        "alias": "ひまわりヘルパー", "learnedBy": "u-staff", "learnedAt": T0,
    },
    "errors/err-0001": {
        "errorType": "OCR部分失敗", "fileName": "FAX_0312345678_20250511.pdf",
        "errorDetails": "3ページ中1ページの読み取りに失敗", "status": "未対応", "occurredAt": T0,
    },
    "customerResolutionLogs/crl-0001": {
        "documentId": "doc-yamada-0512", "previousCustomerId": None,
        "newCustomerId": "cust-yamada-taro", "newCustomerName": "山田 太郎",
        "resolvedBy": "u-staff", "resolvedByEmail": "suzuki.hanako@sakura-kaigo.jp",
        "resolvedAt": T0,
    },
    "officeResolutionLogs/orl-0001": {
        "documentId": "doc-yamada-0512", "previousOfficeId": None,
        "newOfficeId": "office-himawari", "newOfficeName": "ひまわり訪問介護",
        "resolvedBy": "u-staff", "resolvedByEmail": "suzuki.hanako@sakura-kaigo.jp",
        "resolvedAt": T0,
    },
    "editLogs/el-0001": {
        "documentId": "doc-yamada-0512", "fieldName": "documentType",
        "previousValue": "請求書", "newValue": "サービス提供票",
        "editedBy": "u-staff", "editedByEmail": "suzuki.hanako@sakura-kaigo.jp",
        "editedAt": T0,
    },
    "_migrations/2025-05-group-keys": {"status": "completed", "processedCount": 1204,
                                       "errorCount": 0},
    "_idempotency/3f9a1c": {"function": "intake", "status": "completed", "attempts": 1},
    f"clinics/{CLINIC}": {"name": "ひかり美容クリニック 渋谷院", "phone": "03-1234-5678"},
    f"clinics/{OTHER_CLINIC}": {"name": "ひかり美容クリニック 梅田院", "phone": "06-1234-5678"},
    "customers/cc-shibuya-01": {"name": "松本 さくら", "phone": "090-1111-2222",
                                "clinicId": CLINIC},
    "customers/cc-umeda-01": {"name": "木村 あかり", "phone": "080-3333-4444",
                              "clinicId": OTHER_CLINIC},
    "users/u-counselor-2": {
        "email": "ogawa.rina@hikari-clinic.jp", "displayName": "小川 里奈", "role": "counselor",
        "isActive": True, "clinicId": CLINIC, "createdAt": JOINED,
    },
    "users/u-counselor-umeda": {
        "email": "hayashi.mai@hikari-clinic.jp", "displayName": "林 舞", "role": "counselor",
        "isActive": True, "clinicId": OTHER_CLINIC, "createdAt": JOINED,
    },
    "sessions/sess-own": {
        "customerId": "cc-shibuya-01", "counselorId": "u-counselor", "clinicId": CLINIC,
        "sessionDate": T0, "durationMinutes": 45, "status": "analyzed",
        "transcriptionText": "カウンセラー: 本日はどの部位をご希望ですか。",
        "analysisResult": {"closing": "次回予約の提案あり"}, "notes": "",
    },
    "sessions/sess-colleague": {
        "customerId": "cc-shibuya-01", "counselorId": "u-counselor-2", "clinicId": CLINIC,
        "sessionDate": T0, "durationMinutes": 30, "status": "completed", "notes": "",
    },
    "sessions/sess-umeda": {
        "customerId": "cc-umeda-01", "counselorId": "u-counselor-umeda",
        "clinicId": OTHER_CLINIC, "sessionDate": T0, "durationMinutes": 50,
        "status": "completed", "notes": "",
    },
}

for _actor in ACTORS.values():
    if _actor.profile is not None and _actor.uid is not None:
        SEED[f"users/{_actor.uid}"] = dict(_actor.profile)
