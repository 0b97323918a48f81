"""The rules, as a table: actor × path × operation × payload → allow or deny.

Read it as a specification. Each builder below expands one line into a case per actor
(``ALL``) with the actors that must be allowed named explicitly; everyone else must get
``403 PERMISSION_DENIED``. To extend: add a line. Paths refer to ``seed_data.SEED``.

Payload placeholders: ``SELF`` / ``SELF_EMAIL`` become the acting caller's uid / address,
``SERVER_TIME`` is ``serverTimestamp()`` (``request.time`` in the rules), ``DELETE_FIELD``
is ``deleteField()``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from tests.rules.actors import ACTORS, CLINIC, OTHER_CLINIC
from tests.rules.firestore_rest import DELETE_FIELD, SERVER_TIME
from tests.rules.seed_data import DOCUMENT

Op = Literal["get", "list", "create", "update", "delete"]
SELF = "<self>"
SELF_EMAIL = "<self-email>"
# Attribution forged to a colleague (neither of the staff actors).
SOMEONE_ELSE = "u-colleague"
CLIENT_CLOCK = datetime(2025, 5, 12, 10, 0, tzinfo=UTC)  # a time the client made up

ALL = tuple(ACTORS)
STAFF = frozenset({"user", "admin"})
ADMIN = frozenset({"admin"})
NOBODY: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Case:
    actor: str
    op: Op
    path: str  # document path; collection path for ``list``
    allow: bool
    data: Mapping[str, Any] | None = None
    where: tuple[str, Any] | None = None  # ``list``: one equality filter
    note: str = ""

    @property
    def id(self) -> str:
        parts = [self.actor, self.op, self.path]
        if self.where:
            parts.append(f"where {self.where[0]}=={self.where[1]}")
        if self.note:
            parts.append(self.note)
        return " | ".join(parts)


def for_each_actor(op: Op, path: str, allowed: Iterable[str], *,
                   data: Mapping[str, Any] | None = None,
                   where: tuple[str, Any] | None = None, note: str = "") -> list[Case]:
    allowed = frozenset(allowed)
    unknown = allowed - set(ALL)
    assert not unknown, f"unknown actors {unknown}"
    return [Case(a, op, path, a in allowed, data, where, note) for a in ALL]


def one(actor: str, op: Op, path: str, allow: bool, data: Mapping[str, Any] | None = None,
        note: str = "") -> Case:
    assert actor in ACTORS, actor
    return Case(actor, op, path, allow, data, None, note)


# ---------------------------------------------------------------- reads (get)

READABLE: list[tuple[str, frozenset[str]]] = [
    (DOCUMENT, STAFF),
    (f"{DOCUMENT}/detail/ocr", STAFF),
    ("masters/customers/items/cust-yamada-taro", STAFF),
    ("masters/offices/items/office-himawari", STAFF),
    ("settings/auth", STAFF),
    ("settings/app", STAFF),
    ("documentGroups/customer_やまだたろう", STAFF),
    ("search_index/tok-山田", STAFF),
    ("gmailLogs/gl-18f3a2b4", STAFF),
    ("uploadLogs/ul-0001", STAFF),
    ("aliasLearningLogs/al-0001", STAFF),
    ("errors/err-0001", STAFF),
    ("customerResolutionLogs/crl-0001", STAFF),
    ("officeResolutionLogs/orl-0001", STAFF),
    ("editLogs/el-0001", STAFF),
    ("_migrations/2025-05-group-keys", NOBODY),
    ("_idempotency/3f9a1c", NOBODY),
    # people: oneself (if verified Google), admins, the manager of the person's clinic
    ("users/u-staff", frozenset({"user", "admin"})),
    ("users/u-counselor", frozenset({"counselor", "manager", "admin"})),
    ("users/u-manager-umeda", frozenset({"other_manager", "admin"})),
    ("users/u-inactive", frozenset({"inactive", "admin"})),
    ("users/u-unverified", ADMIN),
    # counseling side
    (f"clinics/{CLINIC}", frozenset({"counselor", "manager", "admin"})),
    (f"clinics/{OTHER_CLINIC}", frozenset({"other_manager", "admin"})),
    ("customers/cc-shibuya-01", frozenset({"manager", "admin"})),
    ("customers/cc-umeda-01", frozenset({"other_manager", "admin"})),
    ("sessions/sess-own", frozenset({"counselor", "manager", "admin"})),
    ("sessions/sess-colleague", frozenset({"manager", "admin"})),
    ("sessions/sess-umeda", frozenset({"other_manager", "admin"})),
]

# ---------------------------------------------------------------- queries (list)
# A query is allowed only if every document it could return is readable: the filter is
# what makes a manager's or counselor's query safe.

LISTABLE: list[tuple[str, tuple[str, Any] | None, frozenset[str]]] = [
    ("documents", None, STAFF),
    ("documents", ("customerKey", "やまだたろう"), STAFF),
    (f"{DOCUMENT}/detail", None, STAFF),
    ("masters/customers/items", None, STAFF),
    ("documentGroups", None, STAFF),
    ("errors", ("status", "未対応"), STAFF),
    ("customerResolutionLogs", ("documentId", "doc-yamada-0512"), STAFF),
    ("_migrations", None, NOBODY),
    ("users", None, ADMIN),
    ("users", ("clinicId", CLINIC), frozenset({"manager", "admin"})),
    ("users", ("clinicId", OTHER_CLINIC), frozenset({"other_manager", "admin"})),
    ("clinics", None, ADMIN),
    ("customers", None, ADMIN),
    ("customers", ("clinicId", CLINIC), frozenset({"manager", "admin"})),
    ("sessions", None, ADMIN),
    ("sessions", ("clinicId", CLINIC), frozenset({"manager", "admin"})),
    # the attack: reading another clinic's sessions by listing
    ("sessions", ("clinicId", OTHER_CLINIC), frozenset({"other_manager", "admin"})),
    # a counselor's own sessions; a manager cannot prove the results are in their clinic
    ("sessions", ("counselorId", "u-counselor"), frozenset({"counselor", "admin"})),
]

# ---------------------------------------------------------------- documents: field classes

CONFIRM_CUSTOMER = {
    "customerId": "cust-yamada-taro", "customerName": "山田 太郎", "customerConfirmed": True,
    "confirmedBy": SELF, "confirmedAt": SERVER_TIME,
}
CONFIRM_OFFICE = {
    "officeId": "office-himawari", "officeName": "ひまわり訪問介護", "officeConfirmed": True,
    "officeConfirmedBy": SELF, "officeConfirmedAt": SERVER_TIME,
}
VERIFY = {"verified": True, "verifiedBy": SELF, "verifiedAt": SERVER_TIME}
EDIT = {
    "documentType": "訪問看護報告書", "category": "報告書",
    "fileDate": datetime(2025, 5, 10, tzinfo=UTC), "careManager": "佐藤 一郎",
    "editedFields": ["documentType", "category", "fileDate"],
    "editedBy": SELF, "editedAt": SERVER_TIME,
}
ROTATE_PAGES = {
    "pageRotations": [{"pageNumber": 2, "rotation": 90}],
    "editedFields": ["pageRotations"], "editedBy": SELF, "editedAt": SERVER_TIME,
}
REPROCESS = {"reprocessRequested": True, "reprocessRequestedBy": SELF,
             "reprocessRequestedAt": SERVER_TIME}
SPLIT = {"splitRequest": {"requestedBy": SELF, "requestedAt": SERVER_TIME,
                          "ranges": [{"start": 1, "end": 1}, {"start": 2, "end": 2}]}}
ROTATE = {"rotateRequest": {"requestedBy": SELF, "requestedAt": SERVER_TIME,
                            "rotations": [{"pageNumber": 1, "rotation": 180}]}}

# Server-owned fields, one per class: OCR, status, search, group keys, retry bookkeeping,
# intake facts, candidates, split suggestions.
SERVER_OWNED: dict[str, Any] = {
    "ocrResult": "改ざんされた本文",
    "ocrResultUrl": "https://storage.cloud.google.com/evil/ocr.txt",
    "pageResults": [{"pageNumber": 1, "status": "ok", "text": "偽の本文"}],
    "status": "pending",
    "search": {"version": 2, "tokens": ["偽"]},
    "customerKey": "さとうはなこ",
    "officeKey": "ほかのじぎょうしょ",
    "documentTypeKey": "せいきゅうしょ",
    "careManagerKey": "たなかじろう",
    "processingOwner": "u-staff",
    "attempts": 0,
    "md5Hash": "AAAAAAAAAAAAAAAAAAAAAA==",
    "fileId": "uploads/u-staff/other.pdf",
    "customerCandidates": [],
    "splitSuggestions": [],
    "isDuplicateCustomer": True,
}

DOCUMENT_UPDATES: list[tuple[str, dict[str, Any]]] = [
    ("confirm customer", CONFIRM_CUSTOMER),
    ("confirm office", CONFIRM_OFFICE),
    ("verify", VERIFY),
    ("edit fields", EDIT),
    ("turn pages", ROTATE_PAGES),
    ("request reprocess", REPROCESS),
    ("request split", SPLIT),
    ("request rotation", ROTATE),
]


def _document_cases() -> list[Case]:
    cases: list[Case] = []
    for note, payload in DOCUMENT_UPDATES:
        cases += for_each_actor("update", DOCUMENT, STAFF, data=payload, note=note)
    forged: list[tuple[str, dict[str, Any]]] = [
        ("forged confirmedBy", {**CONFIRM_CUSTOMER, "confirmedBy": SOMEONE_ELSE}),
        ("client clock confirmedAt", {**CONFIRM_CUSTOMER, "confirmedAt": CLIENT_CLOCK}),
        ("customer changed without attribution",
         {"customerName": "山田 花子", "customerId": None}),
        ("confirmedBy erased", {"confirmedBy": DELETE_FIELD}),
        ("forged officeConfirmedBy", {**CONFIRM_OFFICE, "officeConfirmedBy": SOMEONE_ELSE}),
        ("forged verifiedBy", {**VERIFY, "verifiedBy": SOMEONE_ELSE}),
        ("verified is not a bool", {**VERIFY, "verified": "はい"}),
        ("edit without editedBy", {"documentType": "請求書"}),
        ("forged editedBy", {**EDIT, "editedBy": SOMEONE_ELSE}),
        ("editedFields names status (freezes the pipeline)",
         {**EDIT, "editedFields": ["status"]}),
        ("forged reprocess requester", {**REPROCESS, "reprocessRequestedBy": SOMEONE_ELSE}),
        ("split request for someone else",
         {"splitRequest": {**SPLIT["splitRequest"], "requestedBy": SOMEONE_ELSE}}),
        ("split request smuggles a status",
         {"splitRequest": {**SPLIT["splitRequest"], "status": "done"}}),
        ("empty rotation request",
         {"rotateRequest": {**ROTATE["rotateRequest"], "rotations": []}}),
        ("valid confirm plus status", {**CONFIRM_CUSTOMER, "status": "error"}),
        ("ocrResult removed", {"ocrResult": DELETE_FIELD}),
    ]
    for actor in ("user", "admin"):
        cases += [one(actor, "update", DOCUMENT, False, payload, note)
                  for note, payload in forged]
        cases += [one(actor, "update", DOCUMENT, False, {field: value},
                      f"server-owned {field}")
                  for field, value in SERVER_OWNED.items()]
    new_document = {"fileName": "偽造.pdf", "status": "processed", "customerName": "山田 太郎"}
    cases += for_each_actor("create", "documents/doc-forged", NOBODY, data=new_document)
    cases += for_each_actor("delete", DOCUMENT, ADMIN)
    cases += [
        one("admin", "update", f"{DOCUMENT}/detail/ocr", False, {"pageResults": []},
            "detail is server-written"),
        one("user", "create", f"{DOCUMENT}/detail/extra", False, {"pageResults": []}),
        one("admin", "delete", f"{DOCUMENT}/detail/ocr", False),
    ]
    return cases


# ---------------------------------------------------------------- masters and settings

def _master_and_settings_cases() -> list[Case]:
    new_customer = {"name": "田中 一郎", "furigana": "たなか いちろう", "isDuplicate": False}
    return [
        *for_each_actor("create", "masters/customers/items/cust-tanaka-ichiro", ADMIN,
                        data=new_customer),
        *for_each_actor("update", "masters/offices/items/office-himawari", ADMIN,
                        data={"shortName": "ひまわりヘルパー"}),
        *for_each_actor("delete", "masters/customers/items/cust-yamada-taro", ADMIN),
        one("admin", "create", "masters/patients/items/p-001", False, new_customer,
            "unknown master type"),
        one("admin", "create", "masters/customers/items/cust-noname", False,
            {"furigana": "ななし"}, "master without a name"),
        *for_each_actor("update", "settings/auth", ADMIN,
                        data={"allowedDomains": ["sakura-kaigo.jp", "hikari-clinic.jp",
                                                 "sakura-group.co.jp"]},
                        note="change allowed domains"),
        one("user", "update", "settings/auth", False,
            {"allowedDomains": ["sakura-kaigo.jp", "gmail.com"]}, "let gmail.com in"),
        one("admin", "update", "settings/auth", False, {"allowedDomains": "gmail.com"},
            "allowedDomains not a list"),
        *for_each_actor("update", "settings/app", ADMIN, data={"labelSearchOperator": "AND"}),
    ]


# ---------------------------------------------------------------- audit logs

CUSTOMER_LOG = {
    "documentId": "doc-yamada-0512", "previousCustomerId": None,
    "newCustomerId": "cust-yamada-taro", "newCustomerName": "山田 太郎",
    "resolvedBy": SELF, "resolvedByEmail": SELF_EMAIL, "resolvedAt": SERVER_TIME,
    "reason": "候補1位を確認",
}
OFFICE_LOG = {
    "documentId": "doc-yamada-0512", "previousOfficeId": None,
    "newOfficeId": "office-himawari", "newOfficeName": "ひまわり訪問介護",
    "resolvedBy": SELF, "resolvedByEmail": SELF_EMAIL, "resolvedAt": SERVER_TIME,
}
EDIT_LOG = {
    "documentId": "doc-yamada-0512", "fieldName": "documentType",
    "previousValue": "サービス提供票", "newValue": "訪問看護報告書",
    "editedBy": SELF, "editedByEmail": SELF_EMAIL, "editedAt": SERVER_TIME,
}


def _audit_log_cases() -> list[Case]:
    cases = [
        *for_each_actor("create", "customerResolutionLogs/crl-new", STAFF, data=CUSTOMER_LOG),
        *for_each_actor("create", "officeResolutionLogs/orl-new", STAFF, data=OFFICE_LOG),
        *for_each_actor("create", "editLogs/el-new", STAFF, data=EDIT_LOG),
    ]
    forged: list[tuple[str, dict[str, Any], str]] = [
        ("customerResolutionLogs/crl-forged", {**CUSTOMER_LOG, "resolvedBy": SOMEONE_ELSE},
         "forged resolvedBy"),
        ("customerResolutionLogs/crl-forged", {**CUSTOMER_LOG,
                                               "resolvedByEmail": "kato.makoto@sakura-kaigo.jp"},
         "forged resolvedByEmail"),
        ("customerResolutionLogs/crl-forged", {**CUSTOMER_LOG, "resolvedAt": CLIENT_CLOCK},
         "backdated resolvedAt"),
        ("customerResolutionLogs/crl-forged", {**CUSTOMER_LOG, "documentId": "doc-missing"},
         "about a document that does not exist"),
        ("customerResolutionLogs/crl-forged", {**CUSTOMER_LOG, "approvedByAdmin": True},
         "unknown field"),
        ("officeResolutionLogs/orl-forged", {**OFFICE_LOG, "resolvedBy": SOMEONE_ELSE},
         "forged resolvedBy"),
        ("editLogs/el-forged", {**EDIT_LOG, "editedBy": SOMEONE_ELSE}, "forged editedBy"),
        ("editLogs/el-forged", {**EDIT_LOG, "fieldName": "status"}, "logs a server field"),
    ]
    cases += [one("user", "create", path, False, payload, note)
              for path, payload, note in forged]
    for path in ("customerResolutionLogs/crl-0001", "officeResolutionLogs/orl-0001",
                 "editLogs/el-0001"):
        cases += [
            one("admin", "update", path, False, {"reason": "書き換え"}, "rewrite history"),
            one("user", "update", path, False, {"resolvedBy": SOMEONE_ELSE}, "rewrite history"),
            # the attack: deleting an audit log
            one("admin", "delete", path, False, note="delete an audit log"),
            one("user", "delete", path, False, note="delete an audit log"),
        ]
    return cases


# ---------------------------------------------------------------- server-written collections

SERVER_WRITTEN = [
    "documentGroups/customer_やまだたろう", "search_index/tok-山田", "gmailLogs/gl-18f3a2b4",
    "uploadLogs/ul-0001", "aliasLearningLogs/al-0001", "_migrations/2025-05-group-keys",
    "_idempotency/3f9a1c",
]


def _server_written_cases() -> list[Case]:
    cases: list[Case] = []
    for path in SERVER_WRITTEN:
        collection = path.split("/")[0]
        cases += [
            one("admin", "create", f"{collection}/client-made", False, {"note": "手動"}),
            one("user", "create", f"{collection}/client-made", False, {"note": "手動"}),
            one("admin", "update", path, False, {"updatedBy": SOMEONE_ELSE}),
            one("user", "update", path, False, {"updatedBy": "u-staff"}),
            one("admin", "delete", path, False),
        ]
    cases += [
        *for_each_actor("update", "errors/err-0001", ADMIN, data={"status": "対応中"},
                        note="triage"),
        one("admin", "update", "errors/err-0001", False, {"status": "解決済み"},
            "status outside the list"),
        one("admin", "update", "errors/err-0001", False,
            {"status": "完了", "errorDetails": "なし"}, "status plus details"),
        one("admin", "create", "errors/err-client", False,
            {"errorType": "システムエラー", "status": "未対応"}),
        one("admin", "delete", "errors/err-0001", False),
    ]
    return cases


# ---------------------------------------------------------------- people and roles

NEW_COUNSELOR = {
    "email": "yoshida.saki@hikari-clinic.jp", "displayName": "吉田 咲", "role": "counselor",
    "clinicId": CLINIC, "isActive": True,
}


def _user_cases() -> list[Case]:
    own_profile_as_admin = {"email": SELF_EMAIL, "role": "admin", "isActive": True}
    own_profile_as_user = {"email": SELF_EMAIL, "role": "user", "isActive": True}
    return [
        # the attacks: creating one's own users document, self-promotion
        *[one(a, "create", f"users/{ACTORS[a].uid}", False, own_profile_as_admin,
              "create own profile as admin")
          for a in ("stranger", "wrong_domain")],
        *[one(a, "create", f"users/{ACTORS[a].uid}", False, own_profile_as_user,
              "create own profile as user")
          for a in ("stranger", "wrong_domain")],
        *[one(a, "update", f"users/{ACTORS[a].uid}", False, {"role": "admin"},
              "promote self to admin")
          for a in ("user", "counselor", "manager", "unverified", "password_sign_in")],
        one("inactive", "update", "users/u-inactive", False, {"isActive": True},
            "reactivate self"),
        one("counselor", "update", "users/u-counselor", False, {"clinicId": OTHER_CLINIC},
            "move self to another clinic"),
        one("user", "update", "users/u-staff", False, {"displayName": "鈴木 はなこ"},
            "profile is admin-managed"),
        one("manager", "update", "users/u-counselor", False, {"role": "manager"},
            "manager promotes a counselor"),
        one("user", "delete", "users/u-staff", False, note="delete own profile"),
        # what admins may do
        *for_each_actor("create", "users/u-new-counselor", ADMIN, data=NEW_COUNSELOR),
        one("admin", "create", "users/u-new-counselor", False,
            {**NEW_COUNSELOR, "clinicId": None}, "counselor without a clinic"),
        one("admin", "create", "users/u-new-counselor", False,
            {**NEW_COUNSELOR, "role": "owner"}, "unknown role"),
        one("admin", "create", "users/u-new-counselor", False,
            {**NEW_COUNSELOR, "isActive": "true"}, "isActive not a bool"),
        *for_each_actor("update", "users/u-staff", ADMIN, data={"role": "admin"},
                        note="change a role"),
        one("admin", "update", "users/u-staff", True, {"isActive": False}, "deactivate"),
        one("admin", "delete", "users/u-counselor-2", True),
    ]


# ---------------------------------------------------------------- counseling side

def _counseling_cases() -> list[Case]:
    new_customer = {"name": "佐々木 ゆい", "phone": "090-5555-6666", "clinicId": CLINIC}
    return [
        *for_each_actor("create", "clinics/clinic-shinjuku", ADMIN,
                        data={"name": "ひかり美容クリニック 新宿院"}),
        *for_each_actor("update", f"clinics/{CLINIC}", ADMIN, data={"phone": "03-9999-0000"}),
        *for_each_actor("create", "customers/cc-shibuya-02", ADMIN, data=new_customer),
        *for_each_actor("update", "customers/cc-shibuya-01", ADMIN,
                        data={"phone": "090-0000-1111"}),
        one("admin", "create", "customers/cc-nowhere", False,
            {"name": "所属なし", "phone": "090-0000-0000"}, "customer without a clinic"),
        # notes: the counselor of the session and admins
        *for_each_actor("update", "sessions/sess-own", {"counselor", "admin"},
                        data={"notes": "次回はVIO脱毛の料金を再説明"}, note="notes"),
        *for_each_actor("update", "sessions/sess-colleague", ADMIN,
                        data={"notes": "同僚のメモを書き換え"}, note="notes"),
        one("counselor", "update", "sessions/sess-own", False,
            {"transcriptionText": "書き換えた文字起こし"}, "transcript is server-written"),
        one("counselor", "update", "sessions/sess-own", False,
            {"analysisResult": {"closing": "満点"}}, "analysis is server-written"),
        one("counselor", "update", "sessions/sess-own", False, {"status": "completed"},
            "status is server-written"),
        one("counselor", "update", "sessions/sess-own", False,
            {"counselorId": "u-counselor-2"}, "hand the session to someone else"),
        one("counselor", "update", "sessions/sess-own", False,
            {"notes": "メモ", "clinicId": OTHER_CLINIC}, "notes plus clinic move"),
        one("admin", "update", "sessions/sess-own", False,
            {"transcriptionText": "管理者でも不可"}, "transcript is server-written"),
        one("counselor", "update", "sessions/sess-own", False, {"notes": 42},
            "notes not a string"),
        *for_each_actor("create", "sessions/sess-new", NOBODY,
                        data={"customerId": "cc-shibuya-01", "counselorId": SELF,
                              "clinicId": CLINIC, "status": "recorded"}),
        *for_each_actor("delete", "sessions/sess-umeda", ADMIN),
    ]


def build_matrix() -> list[Case]:
    cases: list[Case] = []
    for path, allowed in READABLE:
        cases += for_each_actor("get", path, allowed)
    for collection, where, allowed in LISTABLE:
        cases += for_each_actor("list", collection, allowed, where=where)
    cases += _document_cases()
    cases += _master_and_settings_cases()
    cases += _audit_log_cases()
    cases += _server_written_cases()
    cases += _user_cases()
    cases += _counseling_cases()
    return cases


MATRIX: list[Case] = build_matrix()
