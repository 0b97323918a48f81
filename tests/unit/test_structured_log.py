"""Log lines are JSON that Cloud Logging reads: severity, message, correlation fields."""

from __future__ import annotations

import json
import logging

import pytest

from shared import structured_log


def test_lines_carry_severity_message_and_bound_fields(capsys: pytest.CaptureFixture[str]) -> None:
    structured_log.configure("INFO")
    logger = structured_log.get_logger("test")
    with structured_log.bind(eventId="ev-1", function="intake"):
        structured_log.log(logger, logging.WARNING, "OCR部分失敗", failedPages=[2, 5])
    structured_log.log(logger, logging.INFO, "after")
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert lines[0]["severity"] == "WARNING"
    assert lines[0]["message"] == "OCR部分失敗"
    assert lines[0]["eventId"] == "ev-1" and lines[0]["function"] == "intake"
    assert lines[0]["failedPages"] == [2, 5]
    assert "eventId" not in lines[1]


def test_trace_field_from_traceparent() -> None:
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    field = structured_log.trace_field("p", f"00-{trace_id}-00f067aa0ba902b7-01")
    assert field == {"logging.googleapis.com/trace": f"projects/p/traces/{trace_id}"}
    assert structured_log.trace_field("p", None) == {}
