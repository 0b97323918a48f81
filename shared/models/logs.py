"""Error history, intake logs and audit logs (seed 004, ``その他コレクション``).

Unknown-field policy: all open (``extra="allow"``). These are history: a record written by
another version, or by the web client with a field we do not model, must still be
readable, and a backend update (an ``errors`` status change) must not strip it.
Where the seed names a collection without fields (``uploadLogs``) or only some of them, the
choices are written on each model.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import Field

from shared.models.base import OpenModel, UtcDatetime

ERRORS = "errors"
GMAIL_LOGS = "gmailLogs"
UPLOAD_LOGS = "uploadLogs"
CUSTOMER_RESOLUTION_LOGS = "customerResolutionLogs"
OFFICE_RESOLUTION_LOGS = "officeResolutionLogs"
EDIT_LOGS = "editLogs"
ALIAS_LEARNING_LOGS = "aliasLearningLogs"


class ErrorType(StrEnum):
    """Seed エラー種別定数."""

    OCR_TOTAL_FAILURE = "OCR完全失敗"  # every page failed
    OCR_PARTIAL_FAILURE = "OCR部分失敗"  # some pages failed
    EXTRACTION_ERROR = "情報抽出エラー"  # OCR worked, type/customer could not be extracted
    FILE_ERROR = "ファイル処理エラー"  # the file could not be read, moved or renamed
    SYSTEM_ERROR = "システムエラー"  # API outage, authentication, a bug


class ErrorStatus(StrEnum):
    """Seed: 未対応 | 対応中 | 完了 (set by people in the web client)."""

    OPEN = "未対応"
    IN_PROGRESS = "対応中"
    DONE = "完了"


class ErrorRecord(OpenModel):
    """``errors/{errorId}``: the Firestore fields of the seed plus エラー履歴T's columns
    (エラー発生日時 → ``occurredAt``, 総/成功/失敗ページ数 → ``totalPages`` /
    ``successPages`` / ``failedPages``, 失敗ページ番号 → ``failedPageNumbers``), and
    ``documentId`` for the link to ``documents`` (エラー履歴T linked by ファイルID).

    ``failedPageNumbers`` is a list of ints, not the sheet's comma-joined string: the web
    client can format it, and a list cannot be mis-parsed.
    """

    error_type: ErrorType
    file_name: str
    file_id: str | None = None
    error_details: str | None = None
    file_url: str | None = None
    status: ErrorStatus = ErrorStatus.OPEN
    occurred_at: UtcDatetime | None = None
    total_pages: int | None = Field(default=None, ge=0)
    success_pages: int | None = Field(default=None, ge=0)
    failed_pages: int | None = Field(default=None, ge=0)
    failed_page_numbers: list[int] | None = None
    document_id: str | None = None


class GmailLog(OpenModel):
    """``gmailLogs/{logId}``: one attachment received by mail.

    Seed fields (``fileName, hash, emailSubject, processedAt, fileUrl``) plus Gmail受信管理T's
    ファイルサイズKB (``fileSizeKB``) and メール本文 (``emailBody``, optional: bodies can be
    long and personal, so the mail function may leave it out). ``messageId`` and
    ``attachmentId`` are the natural key that makes a redelivered notification harmless;
    ``documentId`` links the resulting document. ``hash`` is the hex MD5 of the content.
    """

    file_name: str
    hash: str | None = None
    email_subject: str | None = None
    processed_at: UtcDatetime | None = None
    file_url: str | None = None
    file_size_kb: float | None = Field(default=None, ge=0, alias="fileSizeKB")
    email_body: str | None = None
    message_id: str | None = None
    attachment_id: str | None = None
    document_id: str | None = None


class UploadLog(OpenModel):
    """``uploadLogs/{logId}``: one file uploaded from the web client or a scanner.

    The seed names the collection only. Chosen to mirror ``gmailLogs``: ``hash`` (hex MD5,
    comparable across both routes), ``uploadedAt``, ``fileUrl``, ``documentId``;
    ``uploadedBy`` is the uploader's uid (absent for a scanner writing to the bucket) and
    ``duplicateOf`` the earlier document with the same content, if any.
    """

    file_name: str
    hash: str | None = None
    uploaded_by: str | None = None
    uploaded_at: UtcDatetime | None = None
    file_url: str | None = None
    document_id: str | None = None
    duplicate_of: str | None = None


class CustomerResolutionLog(OpenModel):
    """``customerResolutionLogs/{logId}``: a person chose (or cleared) a document's customer.

    ``previousCustomerId`` / ``newCustomerId`` are null for "none" (該当なし).
    """

    document_id: str
    previous_customer_id: str | None = None
    new_customer_id: str | None = None
    new_customer_name: str | None = None
    resolved_by: str
    resolved_by_email: str | None = None
    resolved_at: UtcDatetime
    reason: str | None = None


class OfficeResolutionLog(OpenModel):
    """``officeResolutionLogs/{logId}``: a person chose (or cleared) a document's office."""

    document_id: str
    previous_office_id: str | None = None
    new_office_id: str | None = None
    new_office_name: str | None = None
    resolved_by: str
    resolved_by_email: str | None = None
    resolved_at: UtcDatetime
    reason: str | None = None


class EditLog(OpenModel):
    """``editLogs/{logId}``: one field of a document edited by a person.

    The seed lists ``documentId, fieldName, editedBy, editedByEmail``; a log without when
    and what is of little use, so ``editedAt``, ``oldValue`` and ``newValue`` are added
    (optional; values as stored, any Firestore type).
    """

    document_id: str
    field_name: str
    edited_by: str
    edited_by_email: str | None = None
    edited_at: UtcDatetime | None = None
    old_value: Any = None
    new_value: Any = None


class AliasMasterType(StrEnum):
    """Seed: ``office | customer | document`` (singular, unlike ``masters/{type}``)."""

    OFFICE = "office"
    CUSTOMER = "customer"
    DOCUMENT = "document"


class AliasLearningLog(OpenModel):
    """``aliasLearningLogs/{logId}``: an alias added to a master after a person's correction."""

    master_type: AliasMasterType
    master_id: str
    master_name: str
    alias: str
    learned_by: str
    learned_by_email: str | None = None
    learned_at: UtcDatetime
