"""The render layer (zoufang.output): every format written alike to stdout, a stream or a
path; each command's --format choice derived from Format; the CSV formula guard's switch."""

from __future__ import annotations

import io

import pytest

from zoufang.output import (
    REMIND_FORMATS,
    ExportFormat,
    Format,
    Money,
    NoticeFormat,
    ReportFormat,
    render,
    render_sections,
)

ROWS = [{"name": "=1+1", "amount": Money(-1250), "tags": ["@a", "b"], "note": None}]
COLUMNS = [("name", "名"), ("amount", "金额"), ("tags", "类别"), ("note", "备注")]


@pytest.mark.parametrize("fmt", list(Format))
def test_render_writes_the_same_to_stdout_a_stream_and_a_path(fmt, tmp_path, capsys):
    stream = io.StringIO()
    render(ROWS, COLUMNS, fmt, out=stream, title="t")
    render(ROWS, COLUMNS, fmt, out=tmp_path / "out", title="t")
    render(ROWS, COLUMNS, fmt, title="t")
    assert stream.getvalue() == (tmp_path / "out").read_text(encoding="utf-8")
    assert stream.getvalue() == capsys.readouterr().out


@pytest.mark.parametrize("fmt", list(Format))
def test_render_sections_writes_the_same_to_stdout_and_a_stream(fmt, capsys):
    sections = [("户", {"code": "H1", "name": "=x"}), ("表", (ROWS, COLUMNS))]
    stream = io.StringIO()
    render_sections(sections, fmt, json_value={"code": "H1"}, out=stream)
    render_sections(sections, fmt, json_value={"code": "H1"})
    assert stream.getvalue() == capsys.readouterr().out


def test_listing_csv_is_neutralised():
    out = io.StringIO()
    render(ROWS, COLUMNS, Format.csv, out=out)
    # text is made safe; a negative amount is a number, not a formula
    assert out.getvalue() == "name,amount,tags,note\n'=1+1,-12.50,'@a; b,\n"


def test_each_command_choice_is_derived_from_format():
    listing = [f.value for f in Format]
    assert [f.value for f in NoticeFormat] == [*listing, "xlsx", "html", "pdf"]
    assert [f.value for f in ReportFormat] == [*listing, "html"]
    assert [f.value for f in ExportFormat] == ["xlsx", "csv", "json"]
    assert set(REMIND_FORMATS) <= set(Format)
