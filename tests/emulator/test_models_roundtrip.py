"""Every model, written through the real Firestore client to the emulator and read back:
timestamps stay timestamps, null and absent stay apart, nested maps and lists survive,
unknown fields are kept by open models and refused by closed ones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from google.api_core.datetime_helpers import DatetimeWithNanoseconds
from google.cloud import firestore
from pydantic import BaseModel, ValidationError

from shared.firestore_codec import (
    DocumentNotFoundError,
    from_firestore,
    to_firestore,
    update_fields,
)
from shared.models import (
    AliasLearningLog,
    AliasMasterType,
    AnalysisSection,
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
    ErrorType,
    FieldMask,
    GmailLog,
    GroupType,
    LabelSearchOperator,
    LatestDocPreview,
    Migration,
    MigrationStatus,
    OcrExtraction,
    OfficeCandidate,
    OfficeResolutionLog,
    PageResult,
    PageRotation,
    Posting,
    SearchIndexEntry,
    SearchMeta,
    Session,
    SessionAnalysis,
    SessionStatus,
    SourceType,
    SplitRange,
    SplitSuggestion,
    UploadLog,
    User,
    UserRole,
    can_transition,
)

pytestmark = pytest.mark.emulators

JST = timezone(timedelta(hours=9))
T0 = datetime(2024, 5, 1, 0, 30, 15, 123456, tzinfo=UTC)
T1 = T0 + timedelta(minutes=3)
CUSTOMER = "山田 太郎"
OFFICE = "株式会社ケアサポートみどり 訪問介護事業所"
DOC_TYPE = "訪問看護報告書"


def processed_document() -> Document:
    return Document(
        id="doc-0001", file_name="FAX_0312345678_20240501.pdf",
        file_id="gmail/18f2a/FAX_0312345678_20240501.pdf", mime_type="application/pdf",
        file_url="https://storage.cloud.google.com/care-docs/gmail/18f2a/FAX.pdf",
        source_type=SourceType.GMAIL, status=DocumentStatus.PROCESSED,
        processed_at=T1, created_at=T0, updated_at=T1,
        ocr_result=f"{DOC_TYPE}\n利用者氏名 {CUSTOMER} 様\n{OFFICE}",
        ocr_extraction=OcrExtraction(document_type=DOC_TYPE, customer_name="山田 太朗",
                                     office_name=OFFICE, extracted_at=T1),
        document_type=DOC_TYPE, file_date=datetime(2024, 4, 30, tzinfo=JST),
        total_pages=3, target_page_number=1, category="報告書",
        customer_name=CUSTOMER, customer_id=None,  # null = 該当なし, written as null
        customer_candidates=[
            CustomerCandidate(id="cust-0012", name=CUSTOMER, score=0.97, furigana="やまだ たろう"),
            CustomerCandidate(id="cust-0458", name="山田 太朗", score=0.81),
        ],
        customer_confirmed=False, is_duplicate_customer=True,
        office_name=OFFICE, office_id="office-031",
        office_candidates=[OfficeCandidate(id="office-031", name=OFFICE, score=0.92,
                                           short_name="ケアサポートみどり")],
        office_confirmed=True, care_manager="佐藤 花子",
        customer_key="やまだたろう", office_key="ケアサポートみどり訪問介護事業所",
        split_suggestions=[SplitSuggestion(start_page=2, end_page=3,
                                           document_type="サービス提供票")],
        page_rotations=[PageRotation(page_number=2, rotation=90)],
        split_from_pages=SplitRange(start=1, end=3), parent_document_id="doc-0000",
        search=SearchMeta(version=2, tokens=["やまだ", "訪問看護"], token_hash="9f2c",
                          indexed_at=T1),
        md5_hash="nhB9nTcrtoJr2B01QqQZ1g==", hash="9e107d9d372bb6826bd81d3542a419d6",
        file_size=186_778, file_size_kb=182.4, storage_path="care-docs/gmail/18f2a/FAX.pdf",
        generation="1714521615123456", processing_attempts=1, rescue_count=0,
    )


def analysis() -> SessionAnalysis:
    return SessionAnalysis(
        leading_questions=AnalysisSection(score=72, comments=["開いた質問で始めている"]),
        anxiety_handling=AnalysisSection(score=65, comments=["痛みへの不安に応えている"]),
        closing=AnalysisSection(score=58, comments=["次回予約の提案が遅い"]),
        flow=AnalysisSection(score=80),
        advice=AnalysisSection(score=60, comments=["効果の実感時期を先に伝える"]),
        overall_score=67, engine="rule-based", analyzed_at=T1)


def stored(ref: firestore.DocumentReference) -> dict[str, Any]:
    """The raw stored fields (what the web client sees)."""
    data = ref.get().to_dict()
    assert data is not None, ref.path
    return data


SAMPLES: list[tuple[str, BaseModel]] = [
    ("documents/doc-0001", processed_document()),
    ("documents/doc-0001/detail/ocr", DocumentDetail(
        page_results=[
            PageResult(page_number=1, text=f"{DOC_TYPE} {CUSTOMER}", confidence=0.93,
                       engine="vision", status="ok"),
            PageResult(page_number=2, text="", engine="vision", status="failed",
                       error="DEADLINE_EXCEEDED"),
        ],
        total_pages=2, updated_at=T1)),
    ("documentGroups/customer_やまだたろう", DocumentGroup(
        id="customer_やまだたろう", group_type=GroupType.CUSTOMER, group_key="やまだたろう",
        display_name=CUSTOMER, count=12, latest_at=T1, updated_at=T1,
        latest_docs=[LatestDocPreview(id="doc-0001", file_name="FAX.pdf",
                                      document_type=DOC_TYPE, customer_name=CUSTOMER,
                                      office_name=OFFICE, file_date=T0, processed_at=T1)])),
    ("errors/err-1", ErrorRecord(
        error_type=ErrorType.OCR_PARTIAL_FAILURE, file_name="FAX.pdf", file_id="gmail/FAX.pdf",
        error_details="3ページ中1ページの読み取りに失敗", file_url=None, occurred_at=T0,
        total_pages=3, success_pages=2, failed_pages=1, failed_page_numbers=[2],
        document_id="doc-0001")),
    ("gmailLogs/log-1", GmailLog(
        file_name="FAX.pdf", hash="9e107d9d372bb6826bd81d3542a419d6",
        email_subject="【FAX受信】0312345678", processed_at=T0, file_url="https://x/FAX.pdf",
        file_size_kb=182.4, message_id="18f2a", attachment_id="ANGjdJ8",
        document_id="doc-0001")),
    ("uploadLogs/log-2", UploadLog(
        file_name="scan_0001.pdf", hash="0cc175b9c0f1b6a831c399e269772661",
        uploaded_by="uid-sato", uploaded_at=T0, document_id="doc-0002",
        duplicate_of="doc-0001")),
    ("users/uid-sato", User(email="sato@care-midori.co.jp", role=UserRole.ADMIN,
                            created_at=T0, last_login_at=T1, name="佐藤 花子")),
    ("settings/app", AppSettings(target_labels=["FAX受信"],
                                 label_search_operator=LabelSearchOperator.AND,
                                 error_notification_emails=["admin@care-midori.co.jp"])),
    ("settings/auth", AuthSettings(allowed_domains=["care-midori.co.jp"])),
    ("search_index/やまだ", SearchIndexEntry(df=2, updated_at=T1, postings={
        "doc-0001": Posting(score=1.25, fields_mask=FieldMask.CUSTOMER_NAME | FieldMask.FILE_NAME,
                            updated_at=T1),
        "doc-0002": Posting(score=0.5, fields_mask=FieldMask.CUSTOMER_NAME, updated_at=T0)})),
    ("customerResolutionLogs/r1", CustomerResolutionLog(
        document_id="doc-0001", previous_customer_id=None, new_customer_id="cust-0012",
        new_customer_name=CUSTOMER, resolved_by="uid-sato", resolved_at=T1)),
    ("officeResolutionLogs/r2", OfficeResolutionLog(
        document_id="doc-0001", previous_office_id="office-9", new_office_id="office-031",
        new_office_name=OFFICE, resolved_by="uid-sato", resolved_at=T1, reason="誤判定")),
    ("editLogs/e1", EditLog(document_id="doc-0001", field_name="documentType",
                            edited_by="uid-sato", edited_at=T1, old_value=None,
                            new_value=DOC_TYPE)),
    ("aliasLearningLogs/a1", AliasLearningLog(
        master_type=AliasMasterType.OFFICE, master_id="office-031", master_name=OFFICE,
        alias="ケアサポートみどり", learned_by="uid-sato", learned_at=T1)),
    ("_migrations/0003_group_keys", Migration(status=MigrationStatus.RUNNING,
                                              processed_count=120, started_at=T0)),
    ("clinics/clinic-omotesando", Clinic(name="表参道院", address="東京都港区北青山3-6-1",
                                         phone="03-1234-5678", created_at=T0)),
    ("customers/cust-c1", CounselingCustomer(name="鈴木 花子", phone="090-1234-5678",
                                             clinic_id="clinic-omotesando", created_at=T0)),
    ("sessions/s1", Session(
        customer_id="cust-c1", counselor_id="uid-counselor", clinic_id="clinic-omotesando",
        session_date=datetime(2024, 5, 1, 14, 0, tzinfo=JST), duration_minutes=45,
        status=SessionStatus.ANALYZED, audio_file_path="counseling-audio/s1.m4a",
        transcription_text="カウンセラー: 本日はどの部位をご希望ですか", analysis_result=analysis(),
        created_at=T0)),
]


@pytest.mark.parametrize("path,model", SAMPLES, ids=[p.split("/")[0] if p.count("/") == 1
                                                      else "detail" for p, _ in SAMPLES])
def test_model_survives_a_round_trip(firestore_client: firestore.Client, path: str,
                                     model: BaseModel) -> None:
    ref = firestore_client.document(path)
    ref.set(to_firestore(model))
    back = from_firestore(type(model), ref.get())
    assert back == model
    assert to_firestore(back) == to_firestore(model)


def test_timestamps_come_back_as_utc_timestamps(firestore_client: firestore.Client) -> None:
    ref = firestore_client.document("documents/doc-0001")
    ref.set(to_firestore(processed_document()))
    raw = stored(ref)
    assert isinstance(raw["processedAt"], DatetimeWithNanoseconds)  # stored as a timestamp
    doc = from_firestore(Document, ref.get())
    assert doc.processed_at == T1 and doc.processed_at.utcoffset() == timedelta(0)
    assert doc.file_date == datetime(2024, 4, 29, 15, 0, tzinfo=UTC)  # JST midnight


def test_server_timestamp_reads_back_as_a_datetime(firestore_client: firestore.Client) -> None:
    ref = firestore_client.document("documents/doc-ts")
    ref.set(to_firestore(Document(file_name="a.pdf", status=DocumentStatus.PENDING))
            | {"updatedAt": firestore.SERVER_TIMESTAMP})
    doc = from_firestore(Document, ref.get())
    assert doc.updated_at is not None and doc.updated_at.utcoffset() == timedelta(0)
    assert abs(doc.updated_at - datetime.now(UTC)) < timedelta(minutes=5)


def test_null_and_absent_stay_apart(firestore_client: firestore.Client) -> None:
    ref = firestore_client.document("documents/doc-0001")
    ref.set(to_firestore(processed_document()))
    raw = stored(ref)
    assert "customerId" in raw and raw["customerId"] is None  # set to null: 該当なし
    assert "officeConfirmedBy" not in raw  # never set
    assert "furigana" not in raw["customerCandidates"][1]
    assert raw["verified"] is False  # non-null default written


def test_nested_maps_and_lists_keep_their_shape(firestore_client: firestore.Client) -> None:
    ref = firestore_client.document("documents/doc-0001")
    ref.set(to_firestore(processed_document()))
    raw = stored(ref)
    assert raw["customerCandidates"][0] == {"id": "cust-0012", "name": CUSTOMER,
                                            "score": 0.97, "furigana": "やまだ たろう"}
    assert raw["splitFromPages"] == {"start": 1, "end": 3}
    assert raw["search"]["tokens"] == ["やまだ", "訪問看護"]
    entry = firestore_client.document("search_index/やまだ")
    entry.set(to_firestore(SAMPLES[9][1]))
    assert stored(entry)["postings"]["doc-0001"]["fieldsMask"] == 9


def test_unknown_fields_written_by_a_newer_client_survive_a_backend_update(
        firestore_client: firestore.Client) -> None:
    ref = firestore_client.document("documents/doc-new")
    ref.set({"fileName": "FAX.pdf", "status": "processed", "customerName": CUSTOMER,
             "reviewNote": "要確認（手書き）", "uiState": {"pinned": True, "color": "赤"},
             "customerCandidates": [{"id": "c1", "name": CUSTOMER, "score": 0.9,
                                     "matchedBy": "furigana"}]})
    doc = from_firestore(Document, ref.get())
    doc.verified = True
    doc.verified_by = "uid-sato"
    doc.verified_at = T1
    ref.set(to_firestore(doc))
    raw = stored(ref)
    assert raw["reviewNote"] == "要確認（手書き）"
    assert raw["uiState"] == {"pinned": True, "color": "赤"}
    assert raw["customerCandidates"][0]["matchedBy"] == "furigana"
    assert raw["verified"] is True and raw["id"] == "doc-new"


@pytest.mark.parametrize("path,model,stored", [
    ("settings/app", AppSettings, {"targetLabels": ["FAX"], "labelSearchOpertor": "AND"}),
    ("settings/auth", AuthSettings, {"allowedDomain": ["care-midori.co.jp"]}),
    ("_migrations/m1", Migration, {"status": "running", "processedCnt": 3}),
    ("search_index/tok", SearchIndexEntry, {"df": 1, "updatedAt": T0, "shard": 2}),
])
def test_closed_models_refuse_unknown_stored_fields(
        firestore_client: firestore.Client, path: str, model: type[BaseModel],
        stored: dict[str, object]) -> None:
    ref = firestore_client.document(path)
    ref.set(stored)
    with pytest.raises(ValidationError):
        from_firestore(model, ref.get())


def test_update_fields_writes_only_the_difference(firestore_client: firestore.Client) -> None:
    ref = firestore_client.document("documents/doc-0001")
    ref.set(to_firestore(processed_document()) | {"メモ": "FAXの2枚目が薄い"})
    before = from_firestore(Document, ref.get())
    after = before.model_copy(deep=True)
    after.office_name = "訪問看護ステーションあおば"
    after.office_id = None
    after.search = None
    del after.__pydantic_extra__["メモ"]
    changes = update_fields(before, after)
    assert set(changes) == {"officeName", "officeId", "search", "`メモ`"}
    # A person confirms the customer between our read and our write: that must survive.
    ref.update({"customerConfirmed": True, "confirmedBy": "uid-sato"})
    ref.update(changes)
    raw = stored(ref)
    assert raw["officeName"] == "訪問看護ステーションあおば" and raw["officeId"] is None
    assert raw["search"] is None and "メモ" not in raw
    assert raw["customerConfirmed"] is True and raw["confirmedBy"] == "uid-sato"
    assert update_fields(after, after) == {}


def test_session_status_change_writes_two_fields(firestore_client: firestore.Client) -> None:
    ref = firestore_client.document("sessions/s1")
    ref.set(to_firestore(SAMPLES[-1][1]))
    current = from_firestore(Session, ref.get())
    assert can_transition(current.status, SessionStatus.COMPLETED)
    done = current.model_copy(update={"status": SessionStatus.COMPLETED, "updated_at": T1})
    changes = update_fields(current, done)
    assert changes == {"status": "completed", "updatedAt": T1}
    ref.update(changes)
    back = from_firestore(Session, ref.get())
    assert back.status is SessionStatus.COMPLETED and back.analysis_result == analysis()


def test_reading_a_missing_document_raises(firestore_client: firestore.Client) -> None:
    with pytest.raises(DocumentNotFoundError):
        from_firestore(Session, firestore_client.document("sessions/none").get())
