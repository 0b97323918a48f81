"""Pydantic models of every Firestore collection in both specifications.

Python attributes are snake_case; stored names are the seeds' camelCase (aliases), which
are the contract with the web client. Convert with :mod:`shared.firestore_codec`.

=====================================  ===================================================
collection                             model (module)
=====================================  ===================================================
``documents/{id}``                     :class:`Document` (documents)
``documents/{id}/detail/ocr``          :class:`DocumentDetail` (documents)
``documentGroups/{type}_{key}``        :class:`DocumentGroup` (groups)
``errors``                             :class:`ErrorRecord` (logs)
``gmailLogs`` / ``uploadLogs``         :class:`GmailLog` / :class:`UploadLog` (logs)
``customerResolutionLogs`` …           audit logs (logs)
``users/{uid}``                        :class:`User` (users)
``settings/app`` / ``settings/auth``   :class:`AppSettings` / :class:`AuthSettings`
``search_index/{tokenId}``             :class:`SearchIndexEntry` (search)
``_migrations/{id}``                   :class:`Migration` (migrations)
``clinics`` / ``customers``            :class:`Clinic` / :class:`CounselingCustomer`
``sessions``                           :class:`Session` (counseling)
``masters/{type}/items``               ``shared.models.masters`` (re-exported lazily)
=====================================  ===================================================

The master models live in :mod:`shared.models.masters`, written separately. Their names
(``MasterDocumentType``, ``MasterCustomer``, ``MasterOffice``, ``MasterCareManager``,
``MastersFile`` …) are re-exported here on first access (module ``__getattr__``): importing
this package never depends on that module, so a problem there cannot break every model.
"""

from __future__ import annotations

import importlib
from typing import Any

from shared.models.app_settings import (
    APP_SETTINGS_ID,
    AUTH_SETTINGS_ID,
    SETTINGS,
    AppSettings,
    AuthSettings,
    LabelSearchOperator,
)
from shared.models.base import ClosedModel, OpenModel, UtcDatetime
from shared.models.counseling import (
    CLINICS,
    CUSTOMERS,
    SESSIONS,
    AnalysisSection,
    Clinic,
    CounselingCustomer,
    Session,
    SessionAnalysis,
    SessionStatus,
    allowed_transitions,
    can_transition,
)
from shared.models.documents import (
    DETAIL,
    DOCUMENTS,
    OCR_DETAIL_ID,
    SERVER_OWNED_FIELDS,
    CustomerCandidate,
    Document,
    DocumentDetail,
    DocumentStatus,
    LastError,
    OcrExtraction,
    OfficeCandidate,
    PageResult,
    PageRotation,
    SearchMeta,
    SourceType,
    SplitRange,
    SplitSuggestion,
)
from shared.models.groups import (
    DOCUMENT_GROUPS,
    LATEST_DOCS_LIMIT,
    DocumentGroup,
    GroupType,
    LatestDocPreview,
    group_id,
)
from shared.models.logs import (
    ALIAS_LEARNING_LOGS,
    CUSTOMER_RESOLUTION_LOGS,
    EDIT_LOGS,
    ERRORS,
    GMAIL_LOGS,
    OFFICE_RESOLUTION_LOGS,
    UPLOAD_LOGS,
    AliasLearningLog,
    AliasMasterType,
    CustomerResolutionLog,
    EditLog,
    ErrorRecord,
    ErrorStatus,
    ErrorType,
    GmailLog,
    OfficeResolutionLog,
    UploadLog,
)
from shared.models.migrations import MIGRATIONS, Migration, MigrationStatus
from shared.models.search import SEARCH_INDEX, FieldMask, Posting, SearchIndexEntry
from shared.models.users import USERS, User, UserRole


def __getattr__(name: str) -> Any:
    """Re-export :mod:`shared.models.masters` names (a guarded, lazy import).

    ``importlib`` rather than ``from shared.models import masters``: the latter looks the
    name up on this package first and would call back into this function.
    """
    if name.startswith("__") or name == "masters":
        raise AttributeError(f"module 'shared.models' has no attribute {name!r}")
    try:
        masters = importlib.import_module("shared.models.masters")
    except ModuleNotFoundError as exc:
        if exc.name != "shared.models.masters":
            raise  # masters exists but is broken: say so, do not hide it
        raise AttributeError(f"module 'shared.models' has no attribute {name!r}") from exc
    try:
        return getattr(masters, name)
    except AttributeError:
        raise AttributeError(f"module 'shared.models' has no attribute {name!r}") from None


__all__ = [
    "ALIAS_LEARNING_LOGS",
    "APP_SETTINGS_ID",
    "AUTH_SETTINGS_ID",
    "CLINICS",
    "CUSTOMERS",
    "CUSTOMER_RESOLUTION_LOGS",
    "DETAIL",
    "DOCUMENTS",
    "DOCUMENT_GROUPS",
    "EDIT_LOGS",
    "ERRORS",
    "GMAIL_LOGS",
    "LATEST_DOCS_LIMIT",
    "MIGRATIONS",
    "OCR_DETAIL_ID",
    "OFFICE_RESOLUTION_LOGS",
    "SEARCH_INDEX",
    "SERVER_OWNED_FIELDS",
    "SESSIONS",
    "SETTINGS",
    "UPLOAD_LOGS",
    "USERS",
    "AliasLearningLog",
    "AliasMasterType",
    "AnalysisSection",
    "AppSettings",
    "AuthSettings",
    "Clinic",
    "ClosedModel",
    "CounselingCustomer",
    "CustomerCandidate",
    "CustomerResolutionLog",
    "Document",
    "DocumentDetail",
    "DocumentGroup",
    "DocumentStatus",
    "EditLog",
    "ErrorRecord",
    "ErrorStatus",
    "ErrorType",
    "FieldMask",
    "GmailLog",
    "GroupType",
    "LabelSearchOperator",
    "LastError",
    "LatestDocPreview",
    "Migration",
    "MigrationStatus",
    "OcrExtraction",
    "OfficeCandidate",
    "OfficeResolutionLog",
    "OpenModel",
    "PageResult",
    "PageRotation",
    "Posting",
    "SearchIndexEntry",
    "SearchMeta",
    "Session",
    "SessionAnalysis",
    "SessionStatus",
    "SourceType",
    "SplitRange",
    "SplitSuggestion",
    "UploadLog",
    "User",
    "UserRole",
    "UtcDatetime",
    "allowed_transitions",
    "can_transition",
    "group_id",
]
