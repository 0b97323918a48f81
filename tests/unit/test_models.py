"""The Firestore models: seed field names, enums, shapes, timestamps, unknown-field policy,
the session status machine, and the codec's absent/null discipline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from itertools import pairwise
from typing import Any

import pytest
from google.api_core.datetime_helpers import DatetimeWithNanoseconds
from google.auth.credentials import AnonymousCredentials
from google.cloud import firestore
from google.cloud.firestore_v1.base_document import DocumentSnapshot
from pydantic import BaseModel, ValidationError

from shared.firestore_codec import (
    DocumentNotFoundError,
    from_firestore,
    to_firestore,
    update_fields,
)
from shared.models import (
    SERVER_OWNED_FIELDS,
    AliasLearningLog,
    AppSettings,
    AuthSettings,
    Clinic,
    CounselingCustomer,
    CustomerCandidate,
    CustomerResolutionLog,
    Document,
    DocumentDetail,
    DocumentGroup,
    DocumentStatus,
    EditLog,
    ErrorRecord,
    ErrorStatus,
    ErrorType,
    FieldMask,
    GmailLog,
    GroupType,
    LabelSearchOperator,
    LatestDocPreview,
    Migration,
    MigrationStatus,
    OfficeCandidate,
    OfficeResolutionLog,
    PageResult,
    PageRotation,
    Posting,
    SearchIndexEntry,
    Session,
    SessionAnalysis,
    SessionStatus,
    SourceType,
    SplitRange,
    UploadLog,
    User,
    UserRole,
    allowed_transitions,
    can_transition,
    group_id,
)

JST = timezone(timedelta(hours=9))
T0 = datetime(2024, 5, 1, 0, 30, tzinfo=UTC)  # 2024-05-01 09:30 JST

CUSTOMER = "山田 太郎"
OFFICE = "株式会社ケアサポートみどり 訪問介護事業所"
DOC_TYPE = "訪問看護報告書"

# Every field the 004 seed lists under /documents/{docId}: the web client's contract.
SEED_DOCUMENT_FIELDS = {
    "id", "fileName", "fileId", "mimeType", "fileUrl", "sourceType", "status", "processedAt",
    "updatedAt", "ocrResult", "ocrResultUrl", "summary", "ocrExtraction", "pageResults",
    "documentType", "fileDate", "totalPages", "targetPageNumber", "category",
    "customerName", "customerId", "customerCandidates", "customerConfirmed", "confirmedBy",
    "confirmedAt", "isDuplicateCustomer", "officeName", "officeId", "officeCandidates",
    "officeConfirmed", "officeConfirmedBy", "officeConfirmedAt", "suggestedNewOffice",
    "careManager", "customerKey", "officeKey", "documentTypeKey", "careManagerKey",
    "verified", "verifiedBy", "verifiedAt", "splitSuggestions", "pageRotations",
    "parentDocumentId", "splitFromPages", "editedBy", "editedAt", "search",
}


def aliases(model: type[BaseModel]) -> set[str]:
    return {f.alias or name for name, f in model.model_fields.items()}


def processed_document() -> dict[str, Any]:
    """A processed fax as Firestore holds it (camelCase, timestamps)."""
    return {
        "id": "a1b2c3d4e5f6a7b8c9d0e1f2",
        "fileName": "FAX_0312345678_20240501.pdf",
        "fileId": "gmail/18f2a/FAX_0312345678_20240501.pdf",
        "mimeType": "application/pdf",
        "fileUrl": "https://storage.cloud.google.com/care-docs/gmail/18f2a/FAX.pdf",
        "sourceType": "gmail",
        "status": "processed",
        "processedAt": T0,
        "updatedAt": T0,
        "ocrResult": f"{DOC_TYPE}\n利用者氏名 {CUSTOMER} 様\n{OFFICE}\n令和6年4月30日",
        "documentType": DOC_TYPE,
        "fileDate": datetime(2024, 4, 30, tzinfo=UTC),
        "totalPages": 2,
        "targetPageNumber": 1,
        "category": "報告書",
        "customerName": CUSTOMER,
        "customerId": "cust-0012",
        "customerCandidates": [
            {"id": "cust-0012", "name": CUSTOMER, "score": 0.97, "furigana": "やまだ たろう"},
            {"id": "cust-0458", "name": "山田 太朗", "score": 0.81, "furigana": "やまだ たろう"},
        ],
        "customerConfirmed": False,
        "isDuplicateCustomer": True,
        "officeName": OFFICE,
        "officeId": "office-031",
        "officeCandidates": [{"id": "office-031", "name": OFFICE, "score": 0.92,
                              "shortName": "ケアサポートみどり"}],
        "officeConfirmed": True,
        "careManager": "佐藤 花子",
        "pageRotations": [{"pageNumber": 2, "rotation": 180}],
        "search": {"version": 2, "tokens": ["やまだ", "訪問看護"], "tokenHash": "9f2c",
                   "indexedAt": T0},
    }


# -- documents ----------------------------------------------------------------------------


def test_document_model_covers_every_seed_field() -> None:
    assert aliases(Document) >= SEED_DOCUMENT_FIELDS


def test_server_owned_fields_are_document_fields() -> None:
    assert aliases(Document) >= SERVER_OWNED_FIELDS
    assert not SERVER_OWNED_FIELDS & SEED_DOCUMENT_FIELDS
    assert "reprocessRequested" not in SERVER_OWNED_FIELDS  # the web client sets it


def test_processed_fax_validates_with_japanese_values() -> None:
    doc = Document.model_validate(processed_document())
    assert doc.status is DocumentStatus.PROCESSED
    assert doc.source_type is SourceType.GMAIL
    assert doc.customer_name == CUSTOMER
    assert doc.office_name == OFFICE
    assert doc.document_type == DOC_TYPE
    assert doc.customer_candidates is not None
    assert [c.name for c in doc.customer_candidates] == [CUSTOMER, "山田 太朗"]
    assert doc.office_candidates is not None
    assert doc.office_candidates[0].short_name == "ケアサポートみどり"
    assert doc.search is not None and doc.search.token_hash == "9f2c"


def test_freshly_received_document_needs_only_name_and_status() -> None:
    doc = Document.model_validate({"fileName": "scan_0001.pdf", "status": "pending"})
    assert doc.customer_id is None and doc.document_type is None
    assert doc.customer_confirmed is True  # seed: デフォルト true
    assert doc.verified is False  # seed: デフォルト false
    assert doc.is_duplicate_customer is False


@pytest.mark.parametrize("status", ["pending", "processing", "processed", "error", "split"])
def test_every_seed_document_status_is_accepted(status: str) -> None:
    assert Document(file_name="a.pdf", status=DocumentStatus(status)).status.value == status


@pytest.mark.parametrize("field,value", [
    ("status", "done"), ("status", "Processed"), ("sourceType", "fax"),
])
def test_document_enums_reject_unknown_values(field: str, value: str) -> None:
    data = processed_document() | {field: value}
    with pytest.raises(ValidationError):
        Document.model_validate(data)


def test_customer_candidate_shape() -> None:
    cand = CustomerCandidate.model_validate(
        {"id": "cust-0012", "name": CUSTOMER, "score": 0.97, "furigana": "やまだ たろう"})
    assert to_firestore(cand) == {"id": "cust-0012", "name": CUSTOMER, "score": 0.97,
                                  "furigana": "やまだ たろう"}
    assert CustomerCandidate(id="c1", name=CUSTOMER, score=0.5).furigana is None


@pytest.mark.parametrize("bad", [
    {"name": CUSTOMER, "score": 0.9},  # no id
    {"id": "c1", "score": 0.9},  # no name
    {"id": "c1", "name": CUSTOMER},  # no score
    {"id": "c1", "name": CUSTOMER, "score": -0.1},
])
def test_candidate_without_id_name_or_valid_score_is_rejected(bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        CustomerCandidate.model_validate(bad)
    with pytest.raises(ValidationError):
        OfficeCandidate.model_validate(bad)


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_page_rotation_accepts_right_angles(rotation: int) -> None:
    assert PageRotation(page_number=1, rotation=rotation).rotation == rotation


@pytest.mark.parametrize("rotation", [45, -90, 360])
def test_page_rotation_rejects_other_angles(rotation: int) -> None:
    with pytest.raises(ValidationError):
        PageRotation(page_number=1, rotation=rotation)


def test_page_result_keeps_per_page_failure() -> None:
    page = PageResult.model_validate({"pageNumber": 3, "text": "", "confidence": None,
                                      "engine": "vision", "error": "DEADLINE_EXCEEDED",
                                      "status": "failed"})
    assert page.error == "DEADLINE_EXCEEDED" and page.confidence is None
    with pytest.raises(ValidationError):
        PageResult(page_number=0, engine="vision")
    with pytest.raises(ValidationError):
        PageResult(page_number=1, confidence=1.5)


def test_split_range_is_ordered_and_closed() -> None:
    assert SplitRange(start=3, end=5).end == 5
    with pytest.raises(ValidationError):
        SplitRange(start=5, end=3)
    with pytest.raises(ValidationError):
        SplitRange.model_validate({"start": 1, "end": 2, "note": "x"})


def test_storage_generation_is_stored_as_a_string() -> None:
    doc = Document.model_validate({"fileName": "a.pdf", "status": "pending",
                                   "generation": 1714521600000000})
    assert doc.generation == "1714521600000000"


def test_last_error_uses_the_lifecycles_class_key() -> None:
    doc = Document.model_validate({"fileName": "a.pdf", "status": "pending", "lastError": {
        "class": "quota", "message": "429 RESOURCE_EXHAUSTED", "at": T0}})
    assert doc.last_error is not None and doc.last_error.error_class == "quota"
    assert to_firestore(doc)["lastError"] == {"class": "quota",
                                              "message": "429 RESOURCE_EXHAUSTED", "at": T0}


def test_detail_holds_page_results() -> None:
    detail = DocumentDetail.model_validate({"pageResults": [
        {"pageNumber": 1, "text": f"{DOC_TYPE} {CUSTOMER}", "confidence": 0.93,
         "engine": "tesseract"}], "totalPages": 1})
    assert detail.page_results[0].text.startswith(DOC_TYPE)


# -- timestamps ---------------------------------------------------------------------------


def test_naive_timestamp_is_taken_as_utc() -> None:
    doc = Document(file_name="a.pdf", status=DocumentStatus.PENDING,
                   updated_at=datetime(2024, 5, 1, 0, 30))
    assert doc.updated_at == T0 and doc.updated_at.tzinfo is UTC


def test_jst_timestamp_is_converted_to_utc() -> None:
    doc = Document(file_name="a.pdf", status=DocumentStatus.PENDING,
                   updated_at=datetime(2024, 5, 1, 9, 30, tzinfo=JST))
    assert doc.updated_at == T0 and doc.updated_at.utcoffset() == timedelta(0)
    assert doc.updated_at.hour == 0


def test_firestore_timestamp_with_nanoseconds_is_accepted() -> None:
    stamp = DatetimeWithNanoseconds(2024, 5, 1, 0, 30, tzinfo=UTC, nanosecond=123456789)
    doc = Document(file_name="a.pdf", status=DocumentStatus.PENDING, processed_at=stamp)
    assert doc.processed_at == stamp
    assert isinstance(doc.processed_at, DatetimeWithNanoseconds)
    assert doc.processed_at.nanosecond == 123456789


# -- document groups ----------------------------------------------------------------------


def test_group_id_is_type_underscore_key() -> None:
    assert group_id(GroupType.CUSTOMER, "やまだたろう") == "customer_やまだたろう"
    assert group_id("documentType", "訪問看護報告書") == "documentType_訪問看護報告書"
    with pytest.raises(ValueError):
        group_id("customer", "")
    with pytest.raises(ValueError):
        group_id("customer", "a/b")
    with pytest.raises(ValueError):
        group_id("careManagers", "さとう")


def test_document_group_with_previews() -> None:
    preview = {"id": "doc1", "fileName": "FAX.pdf", "documentType": DOC_TYPE,
               "customerName": CUSTOMER, "officeName": OFFICE, "fileDate": T0,
               "processedAt": T0}
    group = DocumentGroup.model_validate({
        "id": "customer_やまだたろう", "groupType": "customer", "groupKey": "やまだたろう",
        "displayName": CUSTOMER, "count": 12, "latestAt": T0, "latestDocs": [preview],
        "updatedAt": T0})
    assert group.latest_docs[0].customer_name == CUSTOMER
    assert group.group_type is GroupType.CUSTOMER


def test_document_group_id_must_match_type_and_key() -> None:
    with pytest.raises(ValidationError):
        DocumentGroup(id="office_やまだたろう", group_type=GroupType.CUSTOMER,
                      group_key="やまだたろう", display_name=CUSTOMER, count=1)


def test_document_group_keeps_at_most_three_previews() -> None:
    previews = [LatestDocPreview(id=f"d{i}") for i in range(4)]
    with pytest.raises(ValidationError):
        DocumentGroup(id="customer_k", group_type=GroupType.CUSTOMER, group_key="k",
                      display_name="k", count=4, latest_docs=previews)


# -- errors, logs -------------------------------------------------------------------------


@pytest.mark.parametrize("error_type", [
    "OCR完全失敗", "OCR部分失敗", "情報抽出エラー", "ファイル処理エラー", "システムエラー"])
def test_every_seed_error_type_is_accepted(error_type: str) -> None:
    record = ErrorRecord.model_validate({"errorType": error_type, "fileName": "FAX.pdf"})
    assert record.error_type.value == error_type
    assert record.status is ErrorStatus.OPEN


def test_partial_ocr_failure_records_pages() -> None:
    record = ErrorRecord.model_validate({
        "errorType": "OCR部分失敗", "fileName": "FAX_0312345678_20240501.pdf",
        "fileId": "gmail/18f2a/FAX.pdf", "errorDetails": "3ページ中1ページの読み取りに失敗",
        "fileUrl": None, "status": "対応中", "occurredAt": T0, "totalPages": 3,
        "successPages": 2, "failedPages": 1, "failedPageNumbers": [2], "documentId": "doc1"})
    assert record.error_type is ErrorType.OCR_PARTIAL_FAILURE
    assert record.status is ErrorStatus.IN_PROGRESS
    assert record.failed_page_numbers == [2]


@pytest.mark.parametrize("field,value", [("errorType", "OCRエラー"), ("status", "closed")])
def test_error_enums_reject_unknown_values(field: str, value: str) -> None:
    with pytest.raises(ValidationError):
        ErrorRecord.model_validate({"errorType": "システムエラー", "fileName": "a.pdf",
                                    field: value})


def test_gmail_log_uses_the_sheets_kb_name() -> None:
    log = GmailLog(file_name="FAX.pdf", hash="9e107d9d372bb6826bd81d3542a419d6",
                   email_subject="【FAX受信】0312345678", file_size_kb=182.4, processed_at=T0,
                   message_id="18f2a", attachment_id="ANGjdJ8")
    assert to_firestore(log)["fileSizeKB"] == 182.4


def test_upload_log_and_audit_logs_validate() -> None:
    UploadLog(file_name="scan.pdf", hash="abc", uploaded_by="uid-1", uploaded_at=T0)
    CustomerResolutionLog.model_validate({
        "documentId": "doc1", "previousCustomerId": None, "newCustomerId": "cust-0012",
        "newCustomerName": CUSTOMER, "resolvedBy": "uid-1",
        "resolvedByEmail": "sato@care-midori.co.jp", "resolvedAt": T0})
    OfficeResolutionLog.model_validate({
        "documentId": "doc1", "previousOfficeId": "office-9", "newOfficeId": "office-031",
        "newOfficeName": OFFICE, "resolvedBy": "uid-1", "resolvedAt": T0, "reason": "誤判定"})
    EditLog(document_id="doc1", field_name="documentType", edited_by="uid-1",
            old_value="訪問介護計画書", new_value=DOC_TYPE)
    log = AliasLearningLog.model_validate({
        "masterType": "office", "masterId": "office-031", "masterName": OFFICE,
        "alias": "ケアサポートみどり", "learnedBy": "uid-1", "learnedAt": T0})
    assert log.alias == "ケアサポートみどり"
    with pytest.raises(ValidationError):
        AliasLearningLog.model_validate(to_firestore(log) | {"masterType": "offices"})


# -- users, settings ----------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "user", "counselor", "manager"])
def test_both_seeds_roles_are_accepted(role: str) -> None:
    user = User.model_validate({"email": "sato@care-midori.co.jp", "role": role})
    assert user.role is UserRole(role)
    assert user.is_active is True


@pytest.mark.parametrize("data", [
    {"email": "sato@care-midori.co.jp", "role": "superadmin"},
    {"email": "sato@care-midori.co.jp"},  # no role is malformed, not "some" role
    {"email": "not-an-address", "role": "user"},
])
def test_user_without_a_valid_role_or_email_is_rejected(data: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        User.model_validate(data)


def test_app_settings() -> None:
    app = AppSettings.model_validate({"targetLabels": ["FAX受信", "書類"],
                                      "labelSearchOperator": "AND",
                                      "errorNotificationEmails": ["admin@care-midori.co.jp"]})
    assert app.label_search_operator is LabelSearchOperator.AND
    with pytest.raises(ValidationError):
        AppSettings.model_validate({"labelSearchOperator": "XOR"})


def test_auth_settings_domains_are_bare_and_lower_case() -> None:
    auth = AuthSettings.model_validate({"allowedDomains": [" Care-Midori.co.jp "]})
    assert auth.allowed_domains == ["care-midori.co.jp"]
    with pytest.raises(ValidationError):
        AuthSettings.model_validate({"allowedDomains": ["@care-midori.co.jp"]})


# -- search index -------------------------------------------------------------------------


def test_field_mask_combines_and_is_stored_as_an_int() -> None:
    posting = Posting(score=0.42, fields_mask=FieldMask.CUSTOMER_NAME | FieldMask.FILE_NAME,
                      updated_at=T0)
    stored = to_firestore(posting)
    assert stored["fieldsMask"] == 9 and type(stored["fieldsMask"]) is int
    assert Posting.model_validate(stored).fields_mask == FieldMask(9)
    assert FieldMask.all() == 31


@pytest.mark.parametrize("mask", [32, -1, 255])
def test_field_mask_rejects_bits_no_field_stands_for(mask: int) -> None:
    with pytest.raises(ValidationError):
        Posting.model_validate({"score": 1.0, "fieldsMask": mask, "updatedAt": T0})


def test_search_index_entry() -> None:
    entry = SearchIndexEntry.model_validate({"df": 2, "updatedAt": T0, "postings": {
        "doc1": {"score": 1.2, "fieldsMask": 1, "updatedAt": T0},
        "doc2": {"score": 0.4, "fieldsMask": 3, "updatedAt": T0}}})
    assert entry.postings["doc2"].fields_mask & FieldMask.OFFICE_NAME


# -- unknown-field policy ----------------------------------------------------------------


@pytest.mark.parametrize("model,data", [
    (Document, {"fileName": "a.pdf", "status": "pending"}),
    (DocumentDetail, {"pageResults": []}),
    (DocumentGroup, {"id": "office_みどり", "groupType": "office", "groupKey": "みどり",
                     "displayName": OFFICE, "count": 1}),
    (ErrorRecord, {"errorType": "システムエラー", "fileName": "a.pdf"}),
    (GmailLog, {"fileName": "a.pdf"}),
    (UploadLog, {"fileName": "a.pdf"}),
    (User, {"email": "a@b.jp", "role": "user"}),
    (Clinic, {"name": "表参道院"}),
    (CounselingCustomer, {"name": "鈴木 花子", "clinicId": "clinic-1"}),
    (Session, {"customerId": "c1", "clinicId": "clinic-1", "sessionDate": T0}),
])
def test_open_models_keep_unknown_fields(model: type[BaseModel], data: dict[str, Any]) -> None:
    extra = {"addedByNewerClient": {"nested": [1, "二"]}}
    instance = model.model_validate(data | extra)
    assert to_firestore(instance)["addedByNewerClient"] == {"nested": [1, "二"]}


@pytest.mark.parametrize("model,data", [
    (AppSettings, {"targetLabels": ["FAX"]}),
    (AuthSettings, {"allowedDomains": ["care-midori.co.jp"]}),
    (SearchIndexEntry, {"df": 1, "updatedAt": T0}),
    (Posting, {"score": 1.0, "fieldsMask": 1, "updatedAt": T0}),
    (Migration, {"status": "running"}),
    (LatestDocPreview, {"id": "doc1"}),
    (SplitRange, {"start": 1, "end": 2}),
    (SessionAnalysis, {k: {"score": 50} for k in
                       ("leadingQuestions", "anxietyHandling", "closing", "flow", "advice")}),
])
def test_closed_models_reject_unknown_fields(model: type[BaseModel], data: dict[str, Any]) -> None:
    model.model_validate(data)
    with pytest.raises(ValidationError):
        model.model_validate(data | {"allowedDomain": "typo"})


# -- codec --------------------------------------------------------------------------------


def test_to_firestore_writes_seed_names_and_plain_values() -> None:
    stored = to_firestore(Document.model_validate(processed_document()))
    assert stored["fileName"] == "FAX_0312345678_20240501.pdf"
    assert type(stored["status"]) is str and stored["status"] == "processed"
    assert isinstance(stored["processedAt"], datetime)  # a timestamp, not a string
    assert stored["customerCandidates"][0] == {"id": "cust-0012", "name": CUSTOMER,
                                               "score": 0.97, "furigana": "やまだ たろう"}
    assert not any("_" in key for key in stored)


def test_to_firestore_keeps_absent_and_null_apart() -> None:
    doc = Document(file_name="a.pdf", status=DocumentStatus.PROCESSED, customer_id=None)
    stored = to_firestore(doc)
    assert stored["customerId"] is None  # set to null: 該当なし
    assert "officeId" not in stored  # never set: not resolved yet
    assert stored["verified"] is False and stored["customerConfirmed"] is True  # defaults


def test_to_firestore_omits_unset_nones_in_nested_models() -> None:
    doc = Document(file_name="a.pdf", status=DocumentStatus.PROCESSED, customer_candidates=[
        CustomerCandidate(id="c1", name=CUSTOMER, score=0.9)])
    assert to_firestore(doc)["customerCandidates"] == [{"id": "c1", "name": CUSTOMER,
                                                        "score": 0.9}]


def test_partial_to_firestore_writes_only_what_was_set() -> None:
    doc = Document.model_validate({"fileName": "a.pdf", "status": "processing"})
    doc.status = DocumentStatus.PROCESSED
    doc.processed_at = T0
    changed = doc.model_copy(update={"customer_name": CUSTOMER})
    fresh = Document.model_construct(_fields_set=set(), file_name="a.pdf",
                                     status=DocumentStatus.PROCESSED)
    assert to_firestore(fresh, partial=True) == {}
    assert to_firestore(changed, partial=True) == {
        "fileName": "a.pdf", "status": "processed", "processedAt": T0,
        "customerName": CUSTOMER}


def test_validate_assignment_rejects_bad_status() -> None:
    doc = Document(file_name="a.pdf", status=DocumentStatus.PENDING)
    with pytest.raises(ValidationError):
        doc.status = "done"  # type: ignore[assignment]


def test_round_trip_through_dicts_is_lossless() -> None:
    original = Document.model_validate(processed_document() | {"ocrStats": {"pagesRead": 2}})
    again = from_firestore(Document, to_firestore(original))
    assert again == original
    assert to_firestore(again) == to_firestore(original)


def _snapshot(path: str, data: dict[str, Any] | None) -> DocumentSnapshot:
    client = firestore.Client(project="demo-models", credentials=AnonymousCredentials())
    ref = client.document(path)
    return DocumentSnapshot(ref, data, data is not None, None, None, None)


def test_from_firestore_fills_id_from_the_snapshot() -> None:
    snap = _snapshot("documents/doc-42", {"fileName": "a.pdf", "status": "pending"})
    assert from_firestore(Document, snap).id == "doc-42"
    group = _snapshot("documentGroups/customer_やまだたろう", {
        "groupType": "customer", "groupKey": "やまだたろう", "displayName": CUSTOMER,
        "count": 1})
    assert from_firestore(DocumentGroup, group).id == "customer_やまだたろう"


def test_from_firestore_of_a_missing_document_raises() -> None:
    with pytest.raises(DocumentNotFoundError):
        from_firestore(Document, _snapshot("documents/gone", None))


def test_from_firestore_names_the_document_that_does_not_fit() -> None:
    with pytest.raises(ValidationError) as info:
        from_firestore(Document, _snapshot("documents/bad", {"fileName": "a.pdf",
                                                             "status": "done"}))
    assert "documents/bad" in " ".join(getattr(info.value, "__notes__", []))


# -- counseling ---------------------------------------------------------------------------

HAPPY_PATH = ["recorded", "transcribing", "transcribed", "analyzing", "analyzed",
              "completed"]


def test_session_moves_along_the_happy_path() -> None:
    for current, new in pairwise(HAPPY_PATH):
        assert can_transition(current, new), (current, new)


@pytest.mark.parametrize("current", HAPPY_PATH[:-1])
def test_every_unfinished_step_can_fail(current: str) -> None:
    assert can_transition(current, SessionStatus.FAILED)


def test_completed_is_final() -> None:
    assert allowed_transitions(SessionStatus.COMPLETED) == frozenset()
    assert not can_transition("completed", "failed")


def test_failed_session_can_be_queued_again() -> None:
    assert allowed_transitions("failed") == {SessionStatus.RECORDED}


@pytest.mark.parametrize("current,new", [
    ("recorded", "analyzed"),  # skipping steps
    ("transcribed", "transcribing"),  # going back
    ("analyzed", "analyzing"),
    ("failed", "completed"),
    ("analyzing", "analyzing"),  # a repeat is not a transition
])
def test_session_cannot_skip_or_go_back(current: str, new: str) -> None:
    assert not can_transition(current, new)


def test_unknown_session_status_raises() -> None:
    with pytest.raises(ValueError):
        can_transition("recorded", "uploaded")


def analysis() -> dict[str, Any]:
    def section(score: int, comment: str) -> dict[str, Any]:
        return {"score": score, "comments": [comment]}

    return {
        "leadingQuestions": section(72, "「どの部位が気になりますか」と開いた質問で始めている"),
        "anxietyHandling": section(65, "痛みへの不安に麻酔クリームの説明で応えている"),
        "closing": section(58, "次回予約の提案が遅い"),
        "flow": section(80, "ヒアリング→説明→料金の順で自然"),
        "advice": section(60, "料金説明の前に効果の実感時期を伝える"),
        "overallScore": 67,
        "summary": "全体として丁寧だが、クロージングに改善の余地がある",
        "engine": "rule-based",
    }


def test_session_with_typed_analysis() -> None:
    session = Session.model_validate({
        "customerId": "cust-1", "counselorId": "uid-counselor", "clinicId": "clinic-omotesando",
        "sessionDate": datetime(2024, 5, 1, 14, 0, tzinfo=JST), "durationMinutes": 45,
        "status": "analyzed", "audioFilePath": "counseling-audio/2024/05/01/s1.m4a",
        "transcriptionText": "カウンセラー: 本日はどの部位をご希望ですか",
        "analysisResult": analysis()})
    assert session.analysis_result is not None
    assert session.analysis_result.closing.score == 58
    assert session.session_date == datetime(2024, 5, 1, 5, 0, tzinfo=UTC)


def test_new_session_starts_recorded() -> None:
    session = Session(customer_id="c1", clinic_id="clinic-1", session_date=T0)
    assert session.status is SessionStatus.RECORDED
    assert to_firestore(session)["status"] == "recorded"


@pytest.mark.parametrize("patch", [
    {"closing": {"score": 101, "comments": []}},
    {"flow": {"score": -1}},
    {"advice": None},
    {"tone": {"score": 50}},  # invented by the language model
])
def test_analysis_outside_the_contract_is_rejected(patch: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        SessionAnalysis.model_validate(analysis() | patch)


def test_counseling_customer_needs_a_clinic() -> None:
    with pytest.raises(ValidationError):
        CounselingCustomer.model_validate({"name": "鈴木 花子"})


def test_migration_defaults() -> None:
    migration = Migration()
    assert migration.status is MigrationStatus.PENDING
    assert (migration.processed_count, migration.error_count) == (0, 0)
    assert to_firestore(migration) == {"status": "pending", "processedCount": 0,
                                       "errorCount": 0}


def test_update_fields_is_the_difference_with_deletes() -> None:
    before = Document.model_validate({"fileName": "a.pdf", "status": "processing",
                                      "processingOwner": "tok-1", "メモ": "薄い"})
    after = before.model_copy(deep=True)
    after.status = DocumentStatus.PROCESSED
    after.processed_at = T0
    assert after.__pydantic_extra__ is not None
    del after.__pydantic_extra__["メモ"]
    changes = update_fields(before, after)
    assert changes == {"status": "processed", "processedAt": T0,
                       "`メモ`": firestore.DELETE_FIELD}
    assert update_fields(after, after.model_copy()) == {}
