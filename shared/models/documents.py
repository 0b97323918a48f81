"""``documents/{id}`` and its heavy ``documents/{id}/detail/ocr`` subdocument (seed 004).

Field names are the seed's (``/documents/{docId}`` section): they are the contract with the
web client, which streams these documents directly. Almost every field is optional because
a document exists from the moment a file arrives (``status: pending``, nothing resolved)
and fills in as the pipeline and people work on it. Absent and ``null`` differ for some
fields (``customerId: null`` means 該当なし, absent means not resolved yet);
:func:`shared.firestore_codec.to_firestore` keeps that difference.

Unknown-field policy: every model here is open (``extra="allow"``): the web client, the
resolver and newer function versions add fields, and a backend read-modify-write must
hand them back untouched. The one exception is :class:`SplitRange`, a closed pair.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, model_validator

from shared.models.base import ClosedModel, OpenModel, UtcDatetime

DOCUMENTS = "documents"
DETAIL = "detail"
OCR_DETAIL_ID = "ocr"


class DocumentStatus(StrEnum):
    """Seed: ``pending | processing | processed | error | split``."""

    PENDING = "pending"
    PROCESSING = "processing"
    PROCESSED = "processed"
    ERROR = "error"
    SPLIT = "split"  # the original of a document that was split into children


class SourceType(StrEnum):
    """Seed: ``gmail | upload`` (how the file reached the system)."""

    GMAIL = "gmail"
    UPLOAD = "upload"


def _int_to_str(value: Any) -> Any:
    """Storage sends ``generation`` as a string, some callers as an int: store a string."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


GenerationStr = Annotated[str, BeforeValidator(_int_to_str)]


class CustomerCandidate(OpenModel):
    """One entry of ``customerCandidates`` (seed: ``{id, name, score, furigana}``).

    ``id`` is the master id under ``masters/customers/items``. ``score`` is the resolver's
    similarity, higher is better; its scale is the resolver's (0–1 today), so only a lower
    bound is enforced here.
    """

    id: str
    name: str
    score: float = Field(ge=0)
    furigana: str | None = None


class OfficeCandidate(OpenModel):
    """One entry of ``officeCandidates``. The seed gives no shape; this mirrors the
    customer candidate, with the master's ``shortName`` instead of furigana."""

    id: str
    name: str
    score: float = Field(ge=0)
    short_name: str | None = None


class PageResult(OpenModel):
    """One page's OCR result (seed ``pageResults``; stored in the detail subdocument).

    ``pageNumber`` counts from 1. ``confidence`` is 0..1, ``None`` when the engine gives
    none (a PDF text layer). ``error`` is set when the page could not be read, which is
    how partial success (OCR部分失敗) stays visible per page. The pipeline's extra
    bookkeeping (``status``, ``textChars``, ``textTruncated``, ``rotation``) is typed too.
    """

    page_number: int = Field(ge=1)
    text: str = ""
    confidence: float | None = Field(default=None, ge=0, le=1)
    engine: str | None = None  # textLayer | tesseract | vision (open: engines get added)
    error: str | None = None
    status: str | None = None  # ok | failed | skipped
    text_chars: int | None = Field(default=None, ge=0)
    text_truncated: bool | None = None
    rotation: int | None = None
    vertical: bool | None = None


def _check_rotation(value: int) -> int:
    if value % 90 != 0 or not 0 <= value < 360:
        raise ValueError("rotation must be 0, 90, 180 or 270 degrees")
    return value


Rotation = Annotated[int, AfterValidator(_check_rotation)]


class PageRotation(OpenModel):
    """One entry of ``pageRotations``: degrees clockwise a page is turned to read upright.

    Written by OCR (detected orientation) and by people in the viewer (persisted, seed:
    永続保存), so it must be one of the four right angles.
    """

    page_number: int = Field(ge=1)
    rotation: Rotation


class SplitSuggestion(OpenModel):
    """One entry of ``splitSuggestions``: a page range that looks like its own document.

    The seed gives no shape; a range plus what was recognised on it, so the web client
    can offer a one-click split with names filled in.
    """

    start_page: int = Field(ge=1)
    end_page: int = Field(ge=1)
    document_type: str | None = None
    customer_name: str | None = None
    office_name: str | None = None
    reason: str | None = None
    confidence: float | None = Field(default=None, ge=0, le=1)

    @model_validator(mode="after")
    def _ordered(self) -> SplitSuggestion:
        if self.end_page < self.start_page:
            raise ValueError("endPage must not be before startPage")
        return self


class SplitRange(ClosedModel):
    """``splitFromPages``: the pages ``{start, end}`` (1-based, inclusive) of the parent
    this document was cut from. Closed: it is exactly this pair, nothing more."""

    start: int = Field(ge=1)
    end: int = Field(ge=1)

    @model_validator(mode="after")
    def _ordered(self) -> SplitRange:
        if self.end < self.start:
            raise ValueError("end must not be before start")
        return self


class SearchMeta(OpenModel):
    """``search``: what the search indexer last wrote for this document (trigger-owned).

    ``tokenHash`` lets the indexer see that nothing changed without diffing ``tokens``.
    """

    version: int
    tokens: list[str] = Field(default_factory=list)
    token_hash: str
    indexed_at: UtcDatetime


class OcrExtraction(OpenModel):
    """``ocrExtraction``: what the machine read, kept as it was, so that a person's later
    correction can be compared with it (edit audit, alias learning)."""

    document_type: str | None = None
    customer_name: str | None = None
    office_name: str | None = None
    file_date: UtcDatetime | None = None
    care_manager: str | None = None
    category: str | None = None
    extracted_at: UtcDatetime | None = None


class LastError(OpenModel):
    """``lastError`` (backend-owned): the failure class of the last failed attempt, as the
    lifecycle writes it (``{class, message, at}``); ``class`` is transient | quota |
    permanent."""

    error_class: str = Field(alias="class")
    message: str | None = None
    at: UtcDatetime | None = None


SERVER_OWNED_FIELDS: frozenset[str] = frozenset({
    "md5Hash", "hash", "fileSize", "fileSizeKB", "storagePath", "generation", "duplicateOf",
    "processingOwner", "processingStartedAt", "processingAttempts", "failedAttempts",
    "rescueCount", "retryAt", "lastError",
})
"""Pipeline bookkeeping on ``documents/{id}``: written by the backend only (the web client
must not write them; rules should enforce it). ``reprocessRequested`` is not in this set:
the web client sets it to ``true`` to ask for a new attempt and the backend clears it."""


class Document(OpenModel):
    """``documents/{id}``: one received file and everything known about it.

    Seed fields first, in the seed's order. Then pipeline bookkeeping
    (:data:`SERVER_OWNED_FIELDS`), owned by the backend, invisible to the seed's web client,
    optional because documents written before the pipeline existed have none of it:

    - ``md5Hash`` (Storage's base64 digest) / ``hash`` (hex, as in ``gmailLogs``), ``fileSize``
      (bytes), ``fileSizeKB``: recognise the same file arriving by mail and by upload;
    - ``storagePath`` (``bucket/name``) and ``generation``: exactly which object version;
    - ``duplicateOf``: the earlier document holding the same content;
    - ``processingOwner`` / ``processingStartedAt``: the attempt that holds the document
      while ``processing``; a stale attempt finds another owner and writes nothing;
    - ``processingAttempts``, ``failedAttempts``, ``rescueCount``, ``retryAt``,
      ``lastError``: retry, backoff and rescue of documents stuck in ``processing``;
    - ``reprocessRequested``: set by a person, cleared by the backend when it claims.

    Open (``extra="allow"``): newer web clients and functions add fields; they survive.
    """

    # 基本情報
    id: str | None = None
    file_name: str
    file_id: str | None = None
    mime_type: str | None = None
    file_url: str | None = None
    source_type: SourceType | None = None
    status: DocumentStatus
    processed_at: UtcDatetime | None = None
    created_at: UtcDatetime | None = None  # not in the seed; written at intake
    updated_at: UtcDatetime | None = None

    # OCR結果 (the list document keeps at most a bounded prefix of the text)
    ocr_result: str | None = None
    ocr_result_url: str | None = None
    summary: str | None = None
    ocr_extraction: OcrExtraction | None = None
    page_results: list[PageResult] | None = None  # normally in DocumentDetail instead

    # 書類情報
    document_type: str | None = None
    file_date: UtcDatetime | None = None
    total_pages: int | None = Field(default=None, ge=0)
    target_page_number: int | None = Field(default=None, ge=1)
    category: str | None = None

    # 顧客確定
    customer_name: str | None = None
    customer_id: str | None = None  # null = 該当なし (no master matches)
    customer_candidates: list[CustomerCandidate] | None = None
    customer_confirmed: bool = True  # seed: デフォルト true
    confirmed_by: str | None = None
    confirmed_at: UtcDatetime | None = None
    is_duplicate_customer: bool = False

    # 事業所確定
    office_name: str | None = None
    office_id: str | None = None
    office_candidates: list[OfficeCandidate] | None = None
    office_confirmed: bool | None = None
    office_confirmed_by: str | None = None
    office_confirmed_at: UtcDatetime | None = None
    suggested_new_office: str | None = None

    # ケアマネ
    care_manager: str | None = None

    # グループ化キー (set by the derived-data trigger)
    customer_key: str | None = None
    office_key: str | None = None
    document_type_key: str | None = None
    care_manager_key: str | None = None

    # OCR確認ステータス
    verified: bool = False  # seed: デフォルト false
    verified_by: str | None = None
    verified_at: UtcDatetime | None = None

    # PDF分割・回転
    split_suggestions: list[SplitSuggestion] | None = None
    page_rotations: list[PageRotation] | None = None
    parent_document_id: str | None = None
    split_from_pages: SplitRange | None = None

    # 編集
    edited_by: str | None = None
    edited_at: UtcDatetime | None = None

    # 検索メタデータ
    search: SearchMeta | None = None

    # Pipeline bookkeeping: backend-owned (see SERVER_OWNED_FIELDS and the docstring).
    md5_hash: str | None = None
    hash: str | None = None
    file_size: int | None = Field(default=None, ge=0)
    file_size_kb: float | None = Field(default=None, ge=0, alias="fileSizeKB")
    storage_path: str | None = None
    generation: GenerationStr | None = None
    duplicate_of: str | None = None
    processing_owner: str | None = None
    processing_started_at: UtcDatetime | None = None
    processing_attempts: int | None = Field(default=None, ge=0)
    failed_attempts: int | None = Field(default=None, ge=0)
    rescue_count: int | None = Field(default=None, ge=0)
    retry_at: UtcDatetime | None = None
    last_error: LastError | None = None
    reprocess_requested: bool | None = None


class DocumentDetail(OpenModel):
    """``documents/{id}/detail/ocr``: the heavy OCR output, kept off the list document.

    The web client streams ``documents``; page-level results and long text would make every
    list read expensive and could push a document towards Firestore's 1 MiB limit. The
    detail is read only when one document is opened. ``ocrResult`` here may hold the full
    text when it fits; otherwise the list document's ``ocrResultUrl`` points at Storage.

    Open: the pipeline adds per-run statistics beside the seed fields.
    """

    page_results: list[PageResult] = Field(default_factory=list)
    page_rotations: list[PageRotation] | None = None
    total_pages: int | None = Field(default=None, ge=0)
    ocr_result: str | None = None
    updated_at: UtcDatetime | None = None
