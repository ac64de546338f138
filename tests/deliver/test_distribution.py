"""Issue 9: header values in ``distribution.yaml`` may hold no line-breaking character
(every one Python's email refuses, not only CR and LF), refused by file and line — the
line an editor shows — at ``reportgen check`` time."""

from __future__ import annotations

import email.policy
import shutil
from email.message import EmailMessage
from pathlib import Path

import pytest

from reportgen.deliver.distribution import LINE_BREAKS, line_break_in, load_distribution
from reportgen.errors import DeliveryError

LIST = """\
board:
  to:
    - {name}a@pcc.example.org
  subject: "{subject}"
  body: |
    Dear colleagues,
    {body}
"""


def write(tmp_path: Path, *, name: str = "", subject: str = "Update", body: str = "") -> Path:
    path = tmp_path / "distribution.yaml"
    path.write_text(LIST.format(name=name, subject=subject, body=body), encoding="utf-8")
    return path


def test_the_characters_refused_are_exactly_those_python_email_refuses() -> None:
    # derived, not typed: every code point whose presence makes email refuse a header
    refused = set()
    for code in range(0x3000):
        message = EmailMessage(policy=email.policy.SMTP)
        try:
            message["Subject"] = f"a{chr(code)}b"
        except ValueError:
            refused.add(chr(code))
    assert refused == set(LINE_BREAKS)


@pytest.mark.parametrize(
    ("escape", "described"),
    [
        ("\\L", "U+2028"),
        ("\\u2028", "U+2028"),
        ("\\N", "U+0085"),
        ("\\x85", "U+0085"),
        ("\\v", "VT"),
        ("\\f", "FF"),
        ("\\P", "U+2029"),
        ("\\x1e", "U+001E"),
        ("\\r", "CR"),
    ],
)
def test_a_line_break_in_the_subject_is_refused_by_line(
    tmp_path: Path, escape: str, described: str
) -> None:
    path = write(tmp_path, subject=f"Performance Update{escape} for {{edition_month}}")
    with pytest.raises(DeliveryError) as refused:
        load_distribution(path)
    assert str(refused.value).startswith(f"{path}:4: ")
    assert described in str(refused.value) and "subject" in str(refused.value)


def test_a_line_break_in_a_display_name_is_refused_by_line(tmp_path: Path) -> None:
    path = write(tmp_path, name="Performance\\u2028Team ")
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "- Performance\\u2028Team a@pcc.example.org",
            '- "Performance\\u2028Team <a@pcc.example.org>"',
        ),
        encoding="utf-8",
    )
    with pytest.raises(DeliveryError) as refused:
        load_distribution(path)
    assert str(refused.value).startswith(f"{path}:3: ")
    assert "U+2028" in str(refused.value) and "to entry 1" in str(refused.value)


@pytest.mark.parametrize("raw", ["\u2028", "\u2029", "\x85"])
def test_a_raw_line_separator_is_refused_by_the_line_an_editor_shows(
    tmp_path: Path, raw: str
) -> None:
    # invisible, pasted from a word processor: YAML reads it as a new line, an editor
    # does not; the error names the line the editor shows
    path = tmp_path / "distribution.yaml"
    path.write_text(
        "board:\n  to: [a@pcc.example.org]\n  subject: Update\n  body: |\n"
        f"    Dear colleagues,{raw}pasted from a word processor\n",
        encoding="utf-8",
    )
    with pytest.raises(DeliveryError) as refused:
        load_distribution(path)
    assert str(refused.value).startswith(f"{path}:5: "), str(refused.value)
    assert LINE_BREAKS[raw] in str(refused.value)


def test_a_line_break_that_only_a_placeholder_brings_is_refused_when_rendering(
    tmp_path: Path,
) -> None:
    from reportgen.deliver.distribution import render_templates

    board = load_distribution(write(tmp_path, subject="Update {edition_month}"))["board"]
    with pytest.raises(DeliveryError, match="more than one line"):
        render_templates(board, {"edition_month": "March\u20282014"})


def test_line_break_in_names_the_character() -> None:
    assert line_break_in("plain text – with “quotes” and tabs\t") is None
    assert "U+2028" in (line_break_in("a\u2028b") or "")


def test_check_reports_a_bad_distribution_file_by_file_and_line(
    report_copy: Path, repo_root: Path, run_cli
) -> None:
    shutil.copy(repo_root / "distribution.yaml", report_copy / "distribution.yaml")
    good = run_cli("check", root=report_copy)
    assert good.code == 0 and "distribution: 1 list(s)" in good.out
    path = report_copy / "distribution.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace('subject: "Essex Police', 'subject: "Essex\\u2028Police'), encoding="utf-8"
    )
    line = next(
        number
        for number, content in enumerate(text.splitlines(), start=1)
        if content.strip().startswith("subject:")
    )
    bad = run_cli("check", root=report_copy)
    assert bad.code == 1
    [message] = bad.err.strip().splitlines()
    assert message.startswith(f"reportgen: error: distribution.yaml:{line}: ")  # as typed
    assert "U+2028" in message


def test_a_subject_too_long_is_told_its_limit_not_that_it_is_empty(tmp_path: Path) -> None:
    """A 5,000-character subject was told "must be text (not empty)"."""
    with pytest.raises(DeliveryError) as raised:
        load_distribution(write(tmp_path, subject="x" * 5000))
    assert "'subject' must be text (not empty, at most 500 characters)" in str(raised.value)
