"""Failure classes and how long to wait before trying again.

- transient (network, 5xx, deadline): retried in the same invocation with exponential
  backoff and jitter; if it persists, the document goes back to ``pending`` with a
  ``retryAt`` minutes away, picked up by the scheduled rescue;
- quota (429 / RESOURCE_EXHAUSTED): no retry now; ``retryAt`` hours away;
- permanent (unreadable file, refused request, a bug): an ``errors`` entry and
  ``status: error``; retrying would only repeat it.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from enum import StrEnum
from typing import TypeVar

import requests
from google.api_core import exceptions as gexc

from shared.ocr.types import (
    PermanentOcrError,
    QuotaOcrError,
    TransientOcrError,
    UnreadableFileError,
)

T = TypeVar("T")


class Disposition(StrEnum):
    TRANSIENT = "transient"
    QUOTA = "quota"
    PERMANENT = "permanent"


def classify(exc: BaseException) -> Disposition:
    """Which class a failure belongs to (unknown exceptions are permanent: a bug)."""
    if isinstance(exc, QuotaOcrError | gexc.ResourceExhausted | gexc.TooManyRequests):
        return Disposition.QUOTA
    if isinstance(exc, TransientOcrError | gexc.ServiceUnavailable | gexc.DeadlineExceeded
                  | gexc.InternalServerError | gexc.BadGateway | gexc.GatewayTimeout
                  | gexc.Aborted | gexc.RetryError | ConnectionError | TimeoutError
                  | requests.ConnectionError | requests.Timeout):
        return Disposition.TRANSIENT
    return Disposition.PERMANENT


def error_type_for(exc: BaseException) -> str:
    """The seed's ``errorType`` for a permanent failure."""
    if isinstance(exc, UnreadableFileError | gexc.NotFound):
        return "ファイル処理エラー"
    if isinstance(exc, PermanentOcrError):
        return "OCR完全失敗"
    return "システムエラー"


def backoff_seconds(attempt: int, base: float, cap: float, rng: random.Random) -> float:
    """Exponential backoff with "equal jitter": half fixed, half random.

    ``attempt`` counts from 0. The fixed half keeps retries from hammering a recovering
    service; the random half spreads instances that failed together.
    """
    ceiling = min(cap, base * (2 ** max(0, attempt)))
    return ceiling / 2 + rng.uniform(0, ceiling / 2)


def retry_transient(
    call: Callable[[], T],
    *,
    retries: int,
    base: float,
    cap: float,
    sleep: Callable[[float], None],
    rng: random.Random,
) -> T:
    """``call()``, retried up to ``retries`` times while it fails transiently."""
    attempt = 0
    while True:
        try:
            return call()
        except Exception as exc:
            if classify(exc) is not Disposition.TRANSIENT or attempt >= retries:
                raise
            sleep(backoff_seconds(attempt, base, cap, rng))
            attempt += 1
