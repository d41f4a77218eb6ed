"""A landline keeps its leading zero in the xlsx export: a text cell (issue 20; docs/rosters.md
says why CSV opened in Excel loses it and points here)."""

from __future__ import annotations

import pytest

from helpers import ok, valid_id


def test_landline_is_a_text_cell_in_the_xlsx_export(zf, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    ok(zf("enroll", "--name", "赵小军", "--id-number", valid_id("37010219600101001"),
          "--village", "红星村", "--category", "low-income", "--phone", "053187654321"))  # fmt: skip
    out = tmp_path / "台账.xlsx"
    ok(zf("export", "--out", out, "--table", "households"))
    sheet = openpyxl.load_workbook(out).worksheets[0]
    header = [c.value for c in sheet[1]]
    phone = sheet.cell(row=2, column=header.index("phone") + 1)
    assert phone.data_type == "s"
    assert str(phone.value).startswith("0531")
