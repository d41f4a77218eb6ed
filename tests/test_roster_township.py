"""A real township's roster as offices keep it (issue 17): 村别 and 组别, 包保干部,
困难情况, 性别/年龄/备注, short category names, 无 for no phone, a name typed ``石 磊``, blank
rows and the signature lines under the data."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rawdb
from helpers import valid_id

SHI = valid_id("37010219700415101")
WANG = valid_id("37010219520611202")
LIU = valid_id("37010219480305331")
ZHAO = valid_id("37010219401208362")

HEADERS = [
    "序号",
    "户主姓名",
    "性别",
    "年龄",
    "身份证号码",
    "村别",
    "组别",
    "人员类别",
    "联系电话",
    "包保干部",
    "困难情况",
    "备注",
]


def township_rows(cadre="王建国"):
    return [
        [
            "1",
            "石 磊",
            "男",
            "56",
            SHI,
            "红星村",
            "一组",
            "困难党员",
            "无",
            cadre,
            "腿脚不便",
            "无",
        ],
        ["2", "王秀英", "女", "74", WANG, "红星村", "二组", "五保户", "-", cadre, "独居", ""],
        [],
        [
            "3",
            "刘长山",
            "男",
            "78",
            LIU,
            "柳河村",
            "三组",
            "空巢、老党员",
            "/",
            "C0002",
            "无",
            "儿子在外",
        ],
        [
            "4",
            "赵桂兰",
            "女",
            "86",
            ZHAO,
            "柳河村",
            "",
            "特困",
            "13905310005",
            "",
            "高龄",
            "低保证号LB12",
        ],
    ]


def write_xlsx(path, rows, headers=HEADERS):
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("花名册")
    text = book.add_format({"num_format": "@"})
    sheet.write_row(0, 0, ["红星镇困难群众花名册（2026年）"])
    sheet.write_row(1, 0, headers)
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row):
            sheet.write_string(r, c, value, text)
    end = len(rows) + 2
    sheet.write_row(end + 1, 0, ["填表人：张三        审核人：李四"])
    sheet.write_row(end + 2, 0, ["制表日期：2026年1月5日"])
    book.close()
    return path


@pytest.fixture
def cadres(zf):
    assert zf("cadre", "add", "--name", "王建国").exit_code == 0
    assert zf("cadre", "add", "--name", "李梅").exit_code == 0


def test_a_township_roster_goes_in_whole(zf, cadres, tmp_path, ledger_path):
    path = write_xlsx(tmp_path / "花名册.xlsx", township_rows())
    result = zf("enroll", "--from", path, "--format", "json")
    assert result.exit_code == 0, result.stderr
    out = result.json()
    assert out["enrolled"] == 4 and out["unknown_columns"] == []
    assert out["notes_columns"] == ["性别", "年龄", "备注"]
    assert [f["row"] for f in out["footer_rows"]] == [9, 10]
    assert out["footer_rows"][0]["text"].startswith("填表人：张三")
    assert out["blank_rows"] == [5]
    assert out["names_tidied"] == [{"row": 3, "from": "石 磊", "to": "石磊"}]
    assert "row 9 is under the data, skipped: 填表人：张三" in result.stderr
    assert "row 3: name '石 磊' read as '石磊'" in result.stderr

    listed = zf("household", "list", "--format", "json").json()
    by_name = {h["name"]: h for h in listed}
    assert set(by_name) == {"石磊", "王秀英", "刘长山", "赵桂兰"}
    shi = by_name["石磊"]
    assert shi["village"] == "红星村" and shi["grid"] == "一组"
    assert shi["categories"] == ["hardship-member"] and shi["cadres"] == ["C0001"]
    assert shi["phone"] is None and shi["hardship"] == "腿脚不便"
    assert shi["notes"] == "性别：男；年龄：56"  # 备注 无: nothing kept
    assert by_name["王秀英"]["categories"] == ["destitute"]
    assert by_name["刘长山"]["categories"] == ["empty-nest", "veteran-member"]
    assert by_name["刘长山"]["cadres"] == ["C0002"] and by_name["刘长山"]["hardship"] == "无"
    assert by_name["刘长山"]["notes"] == "性别：男；年龄：78；儿子在外"
    assert by_name["赵桂兰"]["categories"] == ["destitute"] and by_name["赵桂兰"]["cadres"] == []
    # a search for 石磊 finds the household typed 石 磊
    found = zf("household", "list", "--search", "石磊", "--format", "json").json()
    assert [h["name"] for h in found] == ["石磊"]
    # the name as typed is kept in the audit log
    (after,) = rawdb.query(
        ledger_path,
        "SELECT after FROM audit_log WHERE action = 'import' AND object_type = 'roster'",
    )
    assert json.loads(after[0])["names_tidied"] == [{"row": 3, "from": "石 磊", "to": "石磊"}]


def test_an_unknown_cadre_is_one_error_per_row(zf, cadres, tmp_path, snapshot_db):
    path = write_xlsx(tmp_path / "r.xlsx", township_rows(cadre="孙悟空"))
    before = snapshot_db()
    result = zf("enroll", "--from", path, "--format", "json")
    assert result.exit_code == 2
    errors = result.json()["errors"]
    assert [(e["row"], e["field"]) for e in errors] == [(3, "包保干部"), (4, "包保干部")]
    assert "孙悟空" in errors[0]["error"]
    assert snapshot_db() == before


def test_create_cadres_makes_the_unknown_ones_once(zf, cadres, tmp_path):
    path = write_xlsx(tmp_path / "r.xlsx", township_rows(cadre="孙悟空"))
    dry = zf("enroll", "--from", path, "--create-cadres", "--dry-run", "--format", "json")
    assert dry.exit_code == 0, dry.stderr
    assert dry.json()["cadres_created"] == [{"code": None, "name": "孙悟空", "row": 3}]
    assert "cadre 孙悟空 (row 3) would be created" in dry.stderr
    result = zf("enroll", "--from", path, "--create-cadres", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["cadres_created"] == [{"code": "C0003", "name": "孙悟空", "row": 3}]
    assert "new cadre C0003 孙悟空 (row 3)" in result.stderr
    listed = {h["name"]: h["cadres"] for h in zf("household", "list", "-f", "json").json()}
    assert listed["石磊"] == ["C0003"] and listed["王秀英"] == ["C0003"]
    assert listed["刘长山"] == ["C0002"]


def test_create_cadres_needs_a_roster(zf):
    result = zf("enroll", "--create-cadres")
    assert result.exit_code == 2
    assert "error: --create-cadres: goes with --from FILE" in result.stderr


def test_a_footer_row_followed_by_data_is_data(zf, cadres, tmp_path):
    """Only the rows under the last household are a footer: one in the middle is a bad row."""
    rows = township_rows()
    rows.insert(1, ["审核人：李四"])
    path = write_xlsx(tmp_path / "r.xlsx", rows)
    result = zf("enroll", "--from", path, "--format", "json")
    assert result.exit_code == 2
    assert {e["row"] for e in result.json()["errors"]} == {4}


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("石 磊", "石磊"),
        ("石\u3000磊", "石磊"),
        ("欧阳  娜娜", "欧阳娜娜"),
        ("阿依古丽 · 买买提", "阿依古丽·买买提"),
        ("Ahmet  Kaya", "Ahmet Kaya"),
        ("石磊", "石磊"),
    ],
)
def test_clean_name(typed, kept):
    from zoufang.services.roster_validation import clean_name

    assert clean_name(typed) == kept


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("村别", "village"),
        ("村居", "village"),
        ("所在村", "village"),
        ("所属村", "village"),
        ("村（社区）", "village"),
        ("组别", "grid"),
        ("包保干部", "cadres"),
        ("联系干部", "cadres"),
        ("帮扶干部", "cadres"),
        ("困难情况", "hardship"),
        ("致困原因", "hardship"),
        ("困难类型", "hardship"),
        ("电话", "phone"),
        ("性别", "sex"),
        ("年龄", "age"),
        ("出生年月", "age"),
        ("备注", "notes"),
    ],
)
def test_header_variants(header, field):
    from zoufang.services.roster_file import ALIASES, normalise_header

    assert ALIASES[normalise_header(header)] == field


@pytest.mark.parametrize(
    ("text", "words", "empty"),
    [
        ("无", True, True),
        ("无", False, False),
        ("／", False, True),
        ("-", True, True),
        ("—", True, True),
        ("N/A", True, True),
        ("砖房", True, False),
        ("0", True, False),
    ],
)
def test_dash_or_none(text, words, empty):
    from zoufang.services.roster_file import dash_or_none

    assert dash_or_none(text, words=words) is empty


def _nothing_by_definition(text: str, words: bool) -> bool:
    """dash_or_none's rule as written, without its memory or its shortcut for long texts."""
    import unicodedata

    from zoufang.services.roster_file import DASHES, NONE_WORDS

    value = unicodedata.normalize("NFKC", text).strip().lower()
    return value in DASHES or (words and value in NONE_WORDS)


_PIECES = sorted(
    {"无", "暂无", "没有", "N/A", "ｎｏｎｅ", "ＮＵＬＬ", "nil", "—", "——", "－", "／", "、", "."}
    | {" ", "\u3000", "\u00a0", "\t", "\n", "\u2003", "\u0301", "\u00a8", "\ufeff", "砖房", "x"}
)


@settings(max_examples=400, deadline=None)
@given(
    text=st.lists(st.sampled_from(_PIECES), max_size=12).map("".join) | st.text(max_size=30),
    words=st.booleans(),
)
def test_dash_or_none_is_its_definition(text, words):
    """Long texts are answered without normalising (roster_file._LONGEST_NOTHING), short ones
    from memory: both as the rule itself answers, for dashes and words for none padded with
    every kind of white space, full-width forms and combining marks."""
    from zoufang.services.roster_file import dash_or_none

    assert dash_or_none(text, words=words) is _nothing_by_definition(text, words)
    assert dash_or_none(text, words=words) is _nothing_by_definition(text, words)  # remembered
