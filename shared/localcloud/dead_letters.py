"""Dead letters: events the local router gave up on, kept as files so they can be re-driven.

Eventarc with ``--retry`` keeps retrying for a day and then drops the event; locally we
give up sooner, and an event that was dropped without a trace would hide exactly the bug
the local cloud exists to show. So every event whose delivery finally failed is written
here as one JSON file (the full request: headers and base64 body) and can be posted again
with ``python -m shared.localcloud.redrive`` once the function is fixed.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import uuid
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from shared.localcloud.emulators import REPO_ROOT

logger = logging.getLogger(__name__)

DEFAULT_DEAD_LETTER_DIR = REPO_ROOT / ".localcloud" / "dead-letters"
REDRIVEN_SUBDIR = "redriven"


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat().replace("+00:00", "Z")


@dataclass
class DeadLetter:
    """One event that could not be delivered, with everything needed to post it again."""

    function: str
    url: str
    trigger: str
    resource: str | None
    event_id: str
    event_type: str
    subject: str
    headers: dict[str, str]
    body_base64: str
    last_status: int | None
    error: str | None
    attempts: int
    first_attempt_at: str
    last_attempt_at: str
    timeout_seconds: float = 540.0
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    dead_at: str = field(default_factory=lambda: _iso(datetime.now(UTC).timestamp()))

    @classmethod
    def build(cls, *, function: str, url: str, trigger: str, resource: str | None,
              event_id: str, event_type: str, subject: str, headers: dict[str, str],
              body: bytes, last_status: int | None, error: str | None, attempts: int,
              first_attempt_at: float, last_attempt_at: float,
              timeout_seconds: float) -> DeadLetter:
        """From the router's view of a failed delivery (times as epoch seconds)."""
        return cls(
            function=function, url=url, trigger=trigger, resource=resource,
            event_id=event_id, event_type=event_type, subject=subject,
            headers=dict(headers), body_base64=base64.b64encode(body).decode("ascii"),
            last_status=last_status, error=error, attempts=attempts,
            first_attempt_at=_iso(first_attempt_at), last_attempt_at=_iso(last_attempt_at),
            timeout_seconds=timeout_seconds,
        )

    @property
    def body(self) -> bytes:
        return base64.b64decode(self.body_base64)

    @property
    def filename(self) -> str:
        """Sortable by time, readable by function, unique by id."""
        stamp = self.dead_at.replace("-", "").replace(":", "").split(".")[0].rstrip("Z")
        return f"{stamp}-{self.function}-{self.id[:12]}.json"

    def describe(self) -> str:
        outcome = f"HTTP {self.last_status}" if self.last_status is not None else "no response"
        if self.error:
            outcome += f" ({self.error})"
        return (f"{self.function} ← {self.event_type} {unquote(self.subject)} "
                f"[event {self.event_id}]: {outcome} after {self.attempts} attempt(s)")

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DeadLetter:
        """Tolerates extra keys (a redriven letter records how its redrive went)."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def write(self, directory: Path, extra: dict[str, Any] | None = None) -> Path:
        """Write atomically (temp file + rename), so a reader never sees half a letter."""
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / self.filename
        tmp = path.with_suffix(".json.tmp")
        payload = {**self.to_json(), **(extra or {})}
        tmp.write_text(json.dumps(payload, ensure_ascii=False, indent=2), encoding="utf-8")
        os.replace(tmp, path)
        return path


def load_dead_letters(directory: Path) -> list[tuple[Path, DeadLetter]]:
    """Every dead letter waiting in ``directory`` (not the redriven ones), oldest first."""
    if not directory.is_dir():
        return []
    letters: list[tuple[Path, DeadLetter]] = []
    for path in sorted(directory.glob("*.json")):
        try:
            letters.append((path, DeadLetter.from_json(json.loads(path.read_text("utf-8")))))
        except (OSError, ValueError, TypeError) as exc:
            logger.error("unreadable dead letter %s: %r", path, exc)
    return letters
