"""Write examples/township.xlsx: a small township 台账 as an office keeps it by hand, one sheet
per kind, with the headers, title rows, blank rows and signature lines real ones have.

``zoufang import examples/township.xlsx`` moves it into an empty ledger (tests/test_import.py
does, with ZOUFANG_TODAY=2026-11-23). Run ``python scripts/make_township_example.py`` after
changing it; the workbook is committed.
"""

from __future__ import annotations

from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "examples" / "township.xlsx"


def check_digit(first17: str) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(first17, weights, strict=True))
    return first17 + "10X98765432"[total % 11]


SHI = check_digit("37010219650415101")
WANG = check_digit("37010219520611202")
LIU = check_digit("37010219480305331")
ZHAO = check_digit("37010219401208362")
SUN = check_digit("37010519770117415")
LIU_WIFE = check_digit("37010219500817202")

SHEETS = {
    "干部名单": (
        "红星镇包保干部名单",
        ["序号", "姓名", "工作单位", "联系电话"],
        [
            ["1", "王建国", "红星村党支部", "13905311001"],
            ["2", "李梅", "镇民政办", "13905311002"],
        ],
        ["制表：镇党委组织办"],
    ),
    "资金项目": (
        None,
        ["资金编号", "资金名称", "资金来源", "适用类别", "每户限额", "开始日期", "结束日期"],
        [
            [
                "CJ2026",
                "2026年春节慰问金",
                "县民政局",
                "五保户、老党员、困难党员、空巢老人",
                "1000",
                "2026-01-01",
                "2026-12-31",
            ],
        ],
        [],
    ),
    "花名册": (
        "红星镇困难群众花名册（2026年）",
        [
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
            "纳入日期",
            "备注",
        ],
        [
            [
                "1",
                "石 磊",
                "男",
                "61",
                SHI,
                "红星村",
                "一组",
                "困难党员",
                "无",
                "王建国",
                "腿脚不便，妻子常年吃药",
                "2025-03-01",
                "无",
            ],
            [
                "2",
                "王秀英",
                "女",
                "74",
                WANG,
                "红星村",
                "二组",
                "五保户",
                "-",
                "王建国",
                "独居，无子女",
                "2025-03-01",
                "",
            ],
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
                "13905310003",
                "李梅",
                "儿子在外务工",
                "2025-03-01",
                "入党50年",
            ],
            [
                "4",
                "赵桂兰",
                "女",
                "86",
                ZHAO,
                "柳河村",
                "一组",
                "特困",
                "/",
                "李梅",
                "高龄，行动不便",
                "2025-05-10",
                "",
            ],
            [
                "5",
                "孙建华",
                "男",
                "49",
                SUN,
                "东风社区",
                "",
                "低保",
                "13905310006",
                "李梅",
                "妻子尿毒症透析",
                "2025-06-01",
                "低保证号LB-0231",
            ],
        ],
        ["填表人：张晓燕        审核人：刘志强", "填报日期：2026年1月5日"],
    ),
    "家庭成员": (
        None,
        ["户主身份证号", "户主姓名", "姓名", "与户主关系", "出生年份", "健康状况", "身份证号"],
        [
            [LIU, "刘长山", "张玉兰", "配偶", "1950", "高血压", LIU_WIFE],
            [SUN, "孙建华", "孙小雨", "女儿", "2012", "健康", ""],
        ],
        [],
    ),
    "走访台账": (
        "2025年度走访记录",
        [
            "走访日期",
            "户主姓名",
            "身份证号码",
            "走访类型",
            "走访人",
            "走访内容",
            "微心愿",
            "慰问品",
        ],
        [
            ["2025-06-12", "石磊", SHI, "日常走访", "王建国", "了解身体情况，屋顶漏雨", "", ""],
            [
                "2025-09-20",
                "王秀英",
                WANG,
                "入户走访",
                "王建国",
                "独居，精神尚好",
                "一台收音机",
                "",
            ],
            ["2025-10-08", "刘长山", LIU, "日常走访", "李梅", "老两口身体尚可", "", ""],
            ["2026-01-20", "刘长山", LIU, "节日慰问", "李梅、王建国", "春节慰问", "", "米面油"],
            [
                "2026-01-20",
                "赵桂兰",
                ZHAO,
                "节日慰问",
                "李梅",
                "春节慰问，送慰问金",
                "",
                "大米一袋",
            ],
        ],
        ["填表人：张晓燕"],
    ),
    "诉求办理": (
        None,
        [
            "户主姓名",
            "身份证号码",
            "诉求内容",
            "责任人",
            "提出日期",
            "办结期限",
            "办理状态",
            "办结日期",
            "办理结果",
        ],
        [
            [
                "石磊",
                SHI,
                "修缮屋顶漏雨",
                "王建国",
                "2025-06-12",
                "2025-07-31",
                "已办结",
                "2025-07-20",
                "村里组织修缮完毕",
            ],
            ["孙建华", SUN, "申请大病救助", "李梅", "2025-11-02", "2026-12-31", "办理中", "", ""],
        ],
        [],
    ),
    "资金发放": (
        None,
        ["发放日期", "资金编号", "类型", "户主姓名", "身份证号码", "金额", "经办人", "备注"],
        [
            ["2026-01-10", "CJ2026", "拨入", "", "", "5000", "", "县民政局拨付"],
            ["2026-01-20", "CJ2026", "发放", "刘长山", LIU, "800", "李梅", "春节慰问"],
            ["2026-01-20", "CJ2026", "发放", "赵桂兰", ZHAO, "800", "李梅", "春节慰问"],
            ["2026-01-21", "CJ2026", "发放", "石磊", SHI, "600", "王建国", "春节慰问"],
        ],
        ["经办人：李梅    审核人：刘志强"],
    ),
}


def main() -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(OUT))
    text = book.add_format({"num_format": "@"})
    for name, (title, headers, rows, footer) in SHEETS.items():
        sheet = book.add_worksheet(name)
        line = 0
        if title:
            sheet.write_string(line, 0, title)
            line += 1
        sheet.write_row(line, 0, headers)
        line += 1
        for row in rows:
            for c, value in enumerate(row):
                sheet.write_string(line, c, value, text)
            line += 1
        line += 1  # a blank row before the signature lines
        for words in footer:
            sheet.write_string(line, 0, words)
            line += 1
    book.close()
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
