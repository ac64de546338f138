"""What a send log may hold: reportgen wrote it, but anyone may have edited or damaged it.
Whatever its lines say, reading it and sending from it give one DeliveryError naming the
log and the line, never another exception, and never an email built from a bad record:
a record read back has exactly the types reportgen writes, and a Message-ID reused from
it is one RFC 5322 msg-id."""

from __future__ import annotations

import json
from typing import Any

import pytest

from reportgen.deliver.mail import _message_id_for, read_send_log
from reportgen.deliver.sendlog import SendHistory, SendRecord, append_record
from reportgen.errors import DeliveryError

from .mail_fixtures import RECIPIENTS, Edition, parse, plain
from .smtp_fixtures import RecordingHandler, running_smtp

# sendlog.MAX_MESSAGE_ID (imported in its test only: this file must load without it, to
# show each test here failing on the code before it)
MAX_MESSAGE_ID = 500
MESSAGE_ID = "<179577722283.24996.2518.reportgen.2014-03.v1.board@force.example.org>"


def a_line(**changes: Any) -> dict[str, Any]:
    """One record as reportgen writes it for the test edition, with ``changes``."""
    line: dict[str, Any] = {
        "message_id": MESSAGE_ID,
        "edition": "2014-03",
        "version": 1,
        "list": "board",
        "recipients": list(RECIPIENTS),
        "delivered": [],
        "refused": {},
        "attachment_sha256": "0" * 64,
        "attachment_name": "a.pdf",
        "server": "smtp.force.example.org:587",
        "time": "2014-04-01T09:00:00+00:00",
        "outcome": "failed",
        "error": "server replied 421 try later",
        "attempts": 4,
    }
    line.update(changes)
    return line


def with_raw(key: str, raw: str, **changes: Any) -> str:
    """A line whose ``key`` holds ``raw`` as it is: JSON no encoder writes (Infinity)."""
    return json.dumps(a_line(**{key: "@@RAW@@"}, **changes)).replace('"@@RAW@@"', raw)


def refused_line(edition: Edition, lines: list[str], number: int) -> list[DeliveryError]:
    """Write ``lines`` as the log; reading it and a dry run must both refuse ``number``."""
    edition.send_log.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    errors = []
    for work in (
        lambda: read_send_log(edition.send_log),
        lambda: edition.send(None, dry_run_dir=edition.tmp / "out"),
    ):
        with pytest.raises(DeliveryError) as failed:
            work()
        error = failed.value
        assert error.file == str(edition.send_log) and error.line == number, str(error)
        assert "did not write" in error.message and error.hint
        assert "\n" not in str(error) and len(str(error)) < 2000
        str(error).encode("utf-8")  # printable as it is: no lone surrogate
        errors.append(error)
    assert not (edition.tmp / "out").exists()  # no .eml was written
    return errors


# --- 1. nesting too deep to read -------------------------------------------------------

DEEP = "[" * 200_000 + "]" * 200_000


@pytest.mark.parametrize(
    "line",
    [
        DEEP,
        with_raw("extra", DEEP),  # under a key reportgen does not write: skipped, not read
        with_raw("delivered", DEEP),
        "{" + '"a":{' * 100_000 + "}" * 100_001,
    ],
    ids=["whole-line", "unknown-key", "known-key", "objects"],
)
def test_a_deeply_nested_line_is_named_not_a_recursion_error(edition: Edition, line: str) -> None:
    refused_line(edition, [json.dumps(a_line()), line], 2)


# --- 2. numbers: ints as reportgen writes them, never NaN or Infinity ------------------


@pytest.mark.parametrize(
    "line",
    [
        with_raw("version", "Infinity"),
        with_raw("version", "-Infinity"),
        with_raw("version", "NaN"),
        with_raw("version", "1e400"),
        with_raw("attempts", "Infinity"),
        with_raw("attempts", "NaN"),
        with_raw("attempts", "1e400"),
        with_raw("version", "9" * 5000),
    ],
)
def test_a_number_that_is_not_finite_is_named(edition: Edition, line: str) -> None:
    refused_line(edition, [line], 1)


@pytest.mark.parametrize(
    ("key", "value", "named"),
    [
        ("version", 1.0, "version"),
        ("version", "1", "version"),
        ("version", True, "version"),
        ("version", 0, "version"),
        ("version", None, "version"),
        ("attempts", 4.5, "attempts"),
        ("attempts", False, "attempts"),
        ("attempts", "4", "attempts"),
        ("attempts", -1, "attempts"),
        ("edition", 201403, "edition"),
        ("list", ["board"], "list"),
        ("recipients", "performance@pcc.example.org", "recipients"),
        ("recipients", [1], "recipients"),
        ("refused", {"analyst@pcc.example.org": 550}, "refused"),
        ("refused", [], "refused"),
        ("attachment_sha256", 0, "attachment_sha256"),
        ("server", 587, "server"),
        ("time", 1396342800, "time"),
        ("error", ["x"], "error"),
        ("outcome", "delivered", "outcome"),
        ("outcome", None, "outcome"),
    ],
)
def test_a_value_of_another_type_is_named_with_its_key(
    edition: Edition, key: str, value: object, named: str
) -> None:
    for error in refused_line(edition, [json.dumps(a_line(**{key: value}))], 1):
        assert f"({named}" in error.message, error.message


def test_a_missing_key_is_named(edition: Edition) -> None:
    line = a_line()
    del line["attempts"]
    [error, _] = refused_line(edition, [json.dumps(line)], 1)
    assert "attempts" in error.message


def test_a_record_reads_back_with_exactly_the_types_written(edition: Edition) -> None:
    record = SendRecord(
        message_id=MESSAGE_ID,
        edition="2014-03",
        version=3,
        list_name="board",
        recipients=tuple(RECIPIENTS),
        delivered=tuple(RECIPIENTS[:2]),
        refused={RECIPIENTS[2]: "550 5.1.1 No such user"},
        attachment_sha256="0" * 64,
        attachment_name="a.pdf",
        server="smtp.force.example.org:587",
        time="2014-04-01T09:00:00+00:00",
        outcome="partial",
        # a line separator inside a string is not the end of the line
        error="server said\u2028 this\x85",
        attempts=2,
    )
    append_record(edition.send_log, record)
    [read] = read_send_log(edition.send_log)
    assert read == record
    assert type(read.version) is int and type(read.attempts) is int
    assert type(read.recipients) is tuple and type(read.delivered) is tuple
    assert all(type(address) is str for address in read.recipients + read.delivered)
    assert type(read.refused) is dict


def test_keys_reportgen_does_not_write_are_passed_over(edition: Edition) -> None:
    edition.send_log.write_text(json.dumps(a_line(note={"by": "hand"})) + "\n", "utf-8")
    [read] = read_send_log(edition.send_log)
    assert read.message_id == MESSAGE_ID and read.attempts == 4


# --- 3. who has accepted the message: a list of addresses, nothing else ---------------


@pytest.mark.parametrize(
    "delivered",
    [
        [1],
        [["performance@pcc.example.org"]],
        [None],
        "performance@pcc.example.org",  # one address, not a list: taken letter by letter
        {"performance@pcc.example.org": "250"},
        1,
    ],
)
def test_delivered_that_is_not_a_list_of_addresses_is_named(
    edition: Edition, delivered: object
) -> None:
    line = json.dumps(a_line(outcome="sent", delivered=delivered, error=None))
    for error in refused_line(edition, [line], 1):
        assert "(delivered" in error.message


@pytest.mark.slow
def test_an_address_logged_as_one_string_is_not_sent_the_message_again(
    edition: Edition,
) -> None:
    # the first two accepted the message; the log was edited to hold the first as a
    # string, not a list: read as its characters it would name nobody, and the run would
    # send everyone the message again
    partial = a_line(
        outcome="partial",
        delivered=RECIPIENTS[0],
        refused={RECIPIENTS[1]: "550 5.1.1 No such user"},
        error=None,
        attempts=1,
    )
    edition.send_log.write_text(json.dumps(partial) + "\n", encoding="utf-8")
    handler = RecordingHandler()
    with running_smtp(handler) as port, pytest.raises(DeliveryError) as failed:
        edition.send(plain(port))
    assert failed.value.line == 1 and "(delivered" in failed.value.message
    assert handler.received == []


# --- 4. the Message-ID a retry reuses ---------------------------------------------------


BAD_MESSAGE_IDS = [
    "<a@b>\r\nBcc: evil@x.example",
    "<a@b>\nBcc: evil@x.example",
    "<é@force.example.org>",
    "",
    "<>",
    "a@b",
    "<a@b",
    "<a b@c>",
    "<a(b)@c>",  # the email package would send "<a"
    '<a"b@c>',
    "<a@b@c>",
    "<a@b> <c@d>",
    "<a..b@c>",
    "<.a@c>",
    "<a@[b\\c]>",
    "<a\t@b>",
    "<a@b>\x00",
    "<" + "a" * 100_000 + "@b>",
    "<" + "a" * (MAX_MESSAGE_ID - 3) + "@b>",  # one over the limit
]


@pytest.mark.parametrize("message_id", BAD_MESSAGE_IDS, ids=range(len(BAD_MESSAGE_IDS)))
def test_a_message_id_that_is_not_one_msg_id_is_named(edition: Edition, message_id: str) -> None:
    line = json.dumps(a_line(message_id=message_id))  # escaped: a lone surrogate too
    for error in refused_line(edition, [json.dumps(a_line(outcome="dry-run")), line], 2):
        assert "message_id" in error.message


@pytest.mark.parametrize("key", ["message_id", "time", "error", "delivered"])
def test_a_lone_surrogate_is_named(edition: Edition, key: str) -> None:
    # json.dumps escapes it as \ud800, which json.loads would read back as a string no
    # header, terminal or file can hold
    value = ["<a\ud800@b>"] if key == "delivered" else "<a\ud800@b>"
    for error in refused_line(edition, [json.dumps(a_line(**{key: value}))], 1):
        assert "surrogate" in error.message


@pytest.mark.parametrize("value", ["12345", "null", "[]", '{"a": "b"}'])
def test_a_message_id_that_is_not_text_is_named(edition: Edition, value: str) -> None:
    for error in refused_line(edition, [with_raw("message_id", value)], 1):
        assert "message_id" in error.message


@pytest.mark.parametrize(
    "message_id",
    [
        MESSAGE_ID,
        "<a@[127.0.0.1]>",
        "<a!#$%&'*+/=?^_`{|}~-.b@force.example.org>",
        "<" + "a" * (MAX_MESSAGE_ID - 4) + "@b>",  # at the limit
    ],
)
def test_a_message_id_reportgen_could_write_is_reused(edition: Edition, message_id: str) -> None:
    edition.send_log.write_text(json.dumps(a_line(message_id=message_id)) + "\n", "utf-8")
    result = edition.send(None, dry_run_dir=edition.tmp / "out")
    assert result.message_id == message_id
    assert result.eml_path is not None
    sent = parse(result.eml_path.read_bytes())
    # a long header is folded onto a second line, which the parser keeps the space of
    assert sent["Message-ID"].strip() == message_id and not sent["Message-ID"].defects


@pytest.mark.parametrize(
    ("list_name", "from_address"),
    [
        ("board", "mpr@force.example.org"),
        ("board", "mpr@[127.0.0.1]"),
        ("b" * 400, "mpr@" + ".".join(["d" * 63] * 3) + ".org"),  # longest domain
        ("board", "mpr@force.example."),  # not a dot-atom: refused by the settings anyway
    ],
)
def test_every_new_message_id_is_one_the_log_reads_back(list_name: str, from_address: str) -> None:
    from reportgen.deliver.sendlog import MAX_MESSAGE_ID as limit
    from reportgen.deliver.sendlog import message_id_problem

    assert limit == MAX_MESSAGE_ID
    empty = SendHistory(())
    message_id = _message_id_for(empty, False, "2014-03", 12, list_name, from_address)
    assert message_id_problem(message_id) is None, message_id


@pytest.mark.slow
@pytest.mark.parametrize(
    "message_id",
    ["<a@b>\r\nBcc: evil@x.example", "", "<a(b)@force.example.org>"],
    ids=["header-injection", "empty", "cut-short"],
)
def test_a_bad_message_id_in_the_log_is_not_sent(edition: Edition, message_id: str) -> None:
    edition.send_log.write_text(json.dumps(a_line(message_id=message_id)) + "\n", "utf-8")
    handler = RecordingHandler()
    with running_smtp(handler) as port, pytest.raises(DeliveryError) as failed:
        edition.send(plain(port))
    assert failed.value.line == 1 and "message_id" in failed.value.message
    assert handler.received == []
