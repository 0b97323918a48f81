"""``_migrations/{migrationId}``: progress of a data migration (seed 004).

Closed (``extra="forbid"``): written and read only by migration scripts; a misspelt counter
would make a resumed migration believe it had nothing left to do.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from shared.models.base import ClosedModel, UtcDatetime

MIGRATIONS = "_migrations"


class MigrationStatus(StrEnum):
    """Seed: ``pending | running | completed | failed``."""

    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


class Migration(ClosedModel):
    """One migration's state. ``cursor`` (last processed document id) lets an interrupted
    run resume instead of starting over; ``lastError`` says why it ``failed``."""

    status: MigrationStatus = MigrationStatus.PENDING
    processed_count: int = Field(default=0, ge=0)
    error_count: int = Field(default=0, ge=0)
    started_at: UtcDatetime | None = None
    finished_at: UtcDatetime | None = None
    cursor: str | None = None
    last_error: str | None = None
