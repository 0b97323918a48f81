"""Scheduled (Cloud Scheduler → HTTP): rescue stuck and forgotten documents.

Deployed without unauthenticated access: Cloud Run's IAM checks the scheduler's OIDC
token before the request reaches this code, so there is no end-user token to verify.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from shared import structured_log
from shared.clients import get_db
from shared.config import get_settings
from shared.pipeline.rescue import rescue_stuck
from shared.pipeline.settings import get_pipeline_settings

logger = structured_log.get_logger("shared.handlers.rescue_stuck")


def handle_rescue(now: datetime | None = None) -> dict[str, Any]:
    structured_log.configure(get_settings().log_level)
    with structured_log.bind(function="rescue_stuck"):
        report = rescue_stuck(get_db(), now or datetime.now(UTC), get_pipeline_settings())
        result = report.as_dict()
        structured_log.log(logger, logging.INFO, "rescue pass done", result=result)
        return result
