"""``settings/app`` and ``settings/auth``: the operator's configuration (seed 004).

Closed (``extra="forbid"``): these documents steer behaviour (which mail is fetched, who may
sign in). A misspelt key (``allowedDomain``) must fail loudly when read, not be ignored
while the system quietly does something else.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, field_validator

from shared.models.base import ClosedModel, UtcDatetime

SETTINGS = "settings"
APP_SETTINGS_ID = "app"
AUTH_SETTINGS_ID = "auth"


class LabelSearchOperator(StrEnum):
    """How ``targetLabels`` combine in the Gmail query: all of them, or any of them."""

    AND = "AND"
    OR = "OR"


class AppSettings(ClosedModel):
    """``settings/app``: which Gmail labels to watch and whom to tell about errors."""

    target_labels: list[str] = Field(default_factory=list)
    label_search_operator: LabelSearchOperator = LabelSearchOperator.OR
    error_notification_emails: list[str] = Field(default_factory=list)
    updated_at: UtcDatetime | None = None
    updated_by: str | None = None


class AuthSettings(ClosedModel):
    """``settings/auth``: Google Workspace domains whose users are let in automatically."""

    allowed_domains: list[str] = Field(default_factory=list)
    updated_at: UtcDatetime | None = None
    updated_by: str | None = None

    @field_validator("allowed_domains")
    @classmethod
    def _bare_domains(cls, value: list[str]) -> list[str]:
        """``example.co.jp``, lower case, no ``@``: compared with the part after the ``@``
        of a verified address, so a stray ``@`` or capital would lock everyone out."""
        cleaned = [d.strip().lower() for d in value]
        for domain in cleaned:
            if not domain or "@" in domain or "." not in domain:
                raise ValueError(f"not a bare domain: {domain!r}")
        return cleaned
