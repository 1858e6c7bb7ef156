"""Structured logs carry the request or job id."""

from __future__ import annotations

import json
import logging

from zhengyi.core.current import acting_as
from zhengyi.core.logging import JsonFormatter, RequestContextFilter, TextFormatter


def _record() -> logging.LogRecord:
    record = logging.LogRecord("zhengyi.request", logging.INFO, __file__, 1, "request", None, None)
    record.path = "/healthz"
    return record


def test_json_lines_carry_the_correlation_id() -> None:
    with acting_as("job", "job-7"):
        record = _record()
        RequestContextFilter().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert (line["source"], line["correlation_id"], line["path"], line["message"]) == (
        "job",
        "job-7",
        "/healthz",
        "request",
    )


def test_text_lines_carry_the_fields() -> None:
    with acting_as("cli", "c-1"):
        record = _record()
        RequestContextFilter().filter(record)
    assert (
        TextFormatter("%(message)s").format(record) == "request path=/healthz source=cli correlation_id=c-1"
    )
