"""Thresholds of the resolution engine, as configuration with defaults.

Why these are configuration: the cost of a wrong auto-confirmation (a document filed under
the wrong person) and of an unconfirmed one (a click) differ between offices; an operator
may trade one for the other without a code change. Defaults were chosen on the dev
benchmark as round values in a flat region of the precision/coverage curve, not fitted
to its cases.

Environment overrides: ``RESOLUTION_CUSTOMER_CONFIRM=0.9`` etc. (pydantic-settings).
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ResolutionConfig(BaseSettings):
    """Scores are in [0, 1]; ``*_confirm`` is the floor for the best candidate and
    ``*_margin`` the lead it needs over the runner-up to be auto-confirmed."""

    model_config = SettingsConfigDict(env_prefix="RESOLUTION_", extra="ignore")

    customer_confirm: float = Field(0.80, ge=0, le=1)
    customer_margin: float = Field(0.20, ge=0, le=1)
    customer_candidate_floor: float = Field(0.30, ge=0, le=1)
    office_confirm: float = Field(0.65, ge=0, le=1)
    office_margin: float = Field(0.15, ge=0, le=1)
    office_candidate_floor: float = Field(0.35, ge=0, le=1)
    doctype_floor: float = Field(0.45, ge=0, le=1)
    max_candidates: int = Field(5, ge=1, le=20)
    unknown_customer_name: str = "不明顧客"
    unknown_document_type: str = "未判定"
