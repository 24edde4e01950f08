"""The JSON log formatter: one object per line, the work's correlation id, never a NIK."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

from sipmas.observability import context, logs

NIK = "6408045503900003"
MASKED = "6408********0003"


def record(message: str, *args, exc_info=None, name: str = "services.referral.service"):
    return logging.LogRecord(name, logging.WARNING, __file__, 10, message, args, exc_info)


def line(formatter: logging.Formatter, rec: logging.LogRecord) -> dict:
    text = formatter.format(rec)
    assert "\n" not in text, "one line per record"
    return json.loads(text)


def test_a_line_has_the_fields_a_collector_indexes():
    found = line(logs.JsonFormatter(), record("referral %d sent", 12))

    assert found["message"] == "referral 12 sent"
    assert found["level"] == "WARNING"
    assert found["logger"] == "services.referral.service"
    assert found["time"].endswith("+00:00")  # UTC, ISO 8601
    assert found["correlation_id"] is None and "exception" not in found


def test_the_correlation_id_and_service_of_the_work_being_done():
    tokens = context.bind("referral", "0b5f8c1e-0000-4000-8000-000000000001")
    try:
        found = line(logs.JsonFormatter(), record("case opened"))
    finally:
        context.unbind(tokens)

    assert found["service"] == "referral"
    assert found["correlation_id"] == "0b5f8c1e-0000-4000-8000-000000000001"
    assert line(logs.JsonFormatter(), record("after"))["correlation_id"] is None


def test_a_nik_in_the_message_or_its_arguments_is_masked():
    formatter = logs.JsonFormatter()

    assert line(formatter, record(f"head {NIK} moved"))["message"] == f"head {MASKED} moved"
    assert line(formatter, record("head %s moved", NIK))["message"] == f"head {MASKED} moved"
    assert line(formatter, record("member %s", {"nik": int(NIK)}))["message"] == (
        f"member {{'nik': {MASKED}}}"
    )
    assert line(formatter, record("ids %s", [1, 12345678901234567]))["message"] == (
        "ids [1, 12345678901234567]"  # 17 digits is not a NIK
    )


def test_an_exception_is_named_with_its_message_masked():
    try:
        raise KeyError(f"no person with NIK {NIK}")
    except KeyError:
        found = line(logs.JsonFormatter(), record("lookup failed", exc_info=sys.exc_info()))

    assert found["exception"]["type"] == "builtins.KeyError"
    assert found["exception"]["message"] == f"'no person with NIK {MASKED}'"
    assert "test_an_exception_is_named_with_its_message_masked" in found["exception"]["stack"]
    assert NIK not in json.dumps(found)


def test_a_nik_sent_as_a_correlation_id_is_masked_too():
    tokens = context.bind("gateway", NIK)
    try:
        found = line(logs.JsonFormatter(), record("request"))
    finally:
        context.unbind(tokens)

    assert found["correlation_id"] == MASKED


def test_plain_lines_for_people_are_masked_as_well(monkeypatch):
    monkeypatch.setenv("SIPMAS_LOG_FORMAT", "plain")
    formatter = logs.formatter()

    assert isinstance(formatter, logs.PlainFormatter)
    text = formatter.format(record("head %s moved", NIK))
    assert text.endswith(f"WARNING services.referral.service head {MASKED} moved")


def test_json_is_the_default_and_plain_is_chosen_by_name(monkeypatch):
    monkeypatch.delenv("SIPMAS_LOG_FORMAT", raising=False)

    assert isinstance(logs.formatter(), logs.JsonFormatter)
    assert isinstance(logs.formatter("json"), logs.JsonFormatter)
    assert isinstance(logs.formatter("PLAIN"), logs.PlainFormatter)


LOG_FORMAT = Path(__file__).resolve().parents[3] / "scripts" / "log-format"


def _format_chosen(stdout, env: dict[str, str]) -> None:
    environment = {k: v for k, v in os.environ.items() if k != "SIPMAS_LOG_FORMAT"}
    subprocess.run([str(LOG_FORMAT)], stdout=stdout, env={**environment, **env}, check=True)


def test_make_run_logs_readable_lines_to_a_terminal_and_json_elsewhere(tmp_path):
    reader, writer = os.openpty()  # a terminal, as a person's shell is
    try:
        _format_chosen(writer, {})
        assert os.read(reader, 100).decode().strip() == "plain"
    finally:
        os.close(reader)
        os.close(writer)
    piped = tmp_path / "out"
    with piped.open("w") as out:  # a file or a container's log collector
        _format_chosen(out, {})
    assert piped.read_text().strip() == "json"
    with piped.open("w") as out:
        _format_chosen(out, {"SIPMAS_LOG_FORMAT": "plain"})
    assert piped.read_text().strip() == "plain"
