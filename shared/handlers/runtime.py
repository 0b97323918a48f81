"""The frame every event handler runs in: logging context, age guard, idempotency.

An event is acted on once per natural key (the ledger), its log lines carry the event id
and key, and an event older than ``event_max_age_seconds`` is recorded as an error and
dropped instead of being retried forever (a poison event).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from shared import structured_log
from shared.clients import get_db
from shared.config import get_settings
from shared.errors import record_error
from shared.idempotency import IdempotencyLedger

logger = structured_log.get_logger("shared.handlers")


def run_once(
    function: str,
    event_id: str,
    event_time: datetime | None,
    natural_key: str,
    work: Callable[[], dict[str, Any] | None],
    traceparent: str | None = None,
) -> dict[str, Any] | None:
    """Run ``work`` at most once for ``natural_key``; return its result, or ``None``."""
    settings = get_settings()
    structured_log.configure(settings.log_level)
    trace = structured_log.trace_field(settings.project, traceparent)
    with structured_log.bind(function=function, eventId=event_id, eventKey=natural_key, **trace):
        if event_time is not None:
            age = datetime.now(UTC) - event_time
            if age > timedelta(seconds=settings.event_max_age_seconds):
                record_error(
                    get_db(),
                    error_type="システムエラー",
                    file_name=natural_key,
                    details=f"event {event_id} is {age} old; dropped without retry",
                    # A redelivery of the same old event updates one entry, not a new one.
                    dedupe_key=f"{function}:too-old:{event_id}" if event_id else None,
                )
                structured_log.log(logger, logging.ERROR, "event too old, dropped",
                                   ageSeconds=age.total_seconds())
                return None
        ledger = IdempotencyLedger(
            get_db(), function,
            timedelta(seconds=settings.ledger_in_progress_timeout_seconds),
            retention=timedelta(seconds=settings.ledger_retention_seconds),
        )
        with ledger.once(natural_key) as claim:
            if claim is None:
                structured_log.log(logger, logging.INFO, "duplicate delivery ignored")
                return None
            result = work()
            structured_log.log(logger, logging.INFO, "event handled", result=result)
            return result
