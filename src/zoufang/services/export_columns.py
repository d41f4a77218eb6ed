"""What each table of ``zoufang export`` holds: its columns in order, each with an English
key (the JSON key and the English header), a Chinese header and a kind (how the file
writers write it: ``text``, ``int``, ``money`` in fen, ``date`` or ``datetime``), and each
table's Chinese sheet name. :mod:`zoufang.services.export_rows` reads each table's rows as
tuples in this order.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Col:
    key: str
    zh: str
    kind: str = "text"  # text, int, money (fen), date, datetime

    def header(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.key


COLUMNS: dict[str, list[Col]] = {
    "households": [
        Col("code", "户号"),
        Col("name", "户主"),
        Col("id_number", "身份证号"),
        Col("village", "村/社区"),
        Col("grid", "网格"),
        Col("address", "住址"),
        Col("phone", "联系电话"),
        Col("categories", "类别"),
        Col("cadres", "联系干部"),
        Col("members", "家庭人口", "int"),
        Col("income", "年收入(元)", "money"),
        Col("housing", "住房"),
        Col("health", "健康状况"),
        Col("employment", "就业"),
        Col("hardship", "致困原因"),
        Col("notes", "备注"),
        Col("cadence", "走访周期(天)", "int"),
        Col("status", "状态"),
        Col("exit_reason", "退出原因"),
        Col("exited_on", "退出日期", "date"),
        Col("enrolled_on", "纳入日期", "date"),
        Col("last_visit", "上次走访", "date"),
        Col("due_date", "应访日期", "date"),
    ],
    "members": [
        Col("household", "户号"),
        Col("household_name", "户主"),
        Col("id", "编号", "int"),
        Col("name", "姓名"),
        Col("relation", "与户主关系"),
        Col("birth_year", "出生年份", "int"),
        Col("health", "健康状况"),
        Col("id_number", "身份证号"),
    ],
    "visits": [
        Col("id", "编号", "int"),
        Col("date", "走访日期", "date"),
        Col("household", "户号"),
        Col("name", "户主"),
        Col("village", "村/社区"),
        Col("kind", "走访类型"),
        Col("cadres", "走访干部"),
        Col("notes", "走访情况"),
        Col("needs", "诉求"),
        Col("suggestions", "意见建议"),
        Col("wishes", "微心愿"),
        Col("gifts", "送达物品"),
        Col("next", "下次走访", "date"),
        Col("recorded_at", "录入时间", "datetime"),
        Col("operator", "录入人"),
    ],
    "commitments": [
        Col("id", "编号", "int"),
        Col("household", "户号"),
        Col("name", "户主"),
        Col("village", "村/社区"),
        Col("text", "承诺事项"),
        Col("cadre", "责任干部"),
        Col("opened_on", "提出日期", "date"),
        Col("due_date", "办结期限", "date"),
        Col("status", "状态"),
        Col("days_overdue", "逾期天数", "int"),
        Col("closed_on", "办结日期", "date"),
        Col("resolution", "办理结果"),
        Col("referred_to", "转交单位"),
        Col("visit", "走访编号", "int"),
        Col("responses", "办理记录"),
    ],
    "wishes": [
        Col("id", "编号", "int"),
        Col("household", "户号"),
        Col("name", "户主"),
        Col("village", "村/社区"),
        Col("text", "微心愿"),
        Col("heard_on", "收集日期", "date"),
        Col("cadre", "责任干部"),
        Col("status", "状态"),
        Col("claimed_by", "认领人"),
        Col("claimed_person", "联系人"),
        Col("claimed_phone", "联系电话"),
        Col("claimed_on", "认领日期", "date"),
        Col("due_date", "完成期限", "date"),
        Col("days_overdue", "逾期天数", "int"),
        Col("closed_on", "办结日期", "date"),
        Col("outcome", "办理结果"),
        Col("entry", "流水号", "int"),
        Col("visit", "走访编号", "int"),
    ],
    "suggestions": [
        Col("id", "编号", "int"),
        Col("household", "户号"),
        Col("name", "户主"),
        Col("village", "村/社区"),
        Col("text", "意见建议"),
        Col("heard_on", "听取日期", "date"),
        Col("cadre", "责任干部"),
        Col("status", "状态"),
        Col("answered_on", "答复日期", "date"),
        Col("answer", "答复内容"),
        Col("answered_by", "答复干部"),
        Col("visit", "走访编号", "int"),
        Col("answers", "答复记录"),
    ],
    "ledger": [
        Col("seq", "流水号", "int"),
        Col("date", "日期", "date"),
        Col("fund", "资金编号"),
        Col("fund_name", "资金名称"),
        Col("kind", "类型"),
        Col("amount", "金额(元)", "money"),
        Col("household", "户号"),
        Col("household_name", "户主"),
        Col("cadre", "经办干部"),
        Col("visit", "走访编号", "int"),
        Col("reverses", "冲销流水号", "int"),
        Col("memo", "备注"),
        Col("override", "越权理由"),
        Col("operator", "操作人"),
        Col("recorded_at", "录入时间", "datetime"),
        Col("hash", "哈希"),
    ],
    # What `zoufang import` needs to rebuild the rest: who the cadres are, what each fund is.
    "cadres": [
        Col("code", "干部编号"),
        Col("name", "姓名"),
        Col("unit", "单位"),
        Col("phone", "联系电话"),
        Col("email", "电子邮箱"),
    ],
    "funds": [
        Col("code", "资金编号"),
        Col("name", "资金名称"),
        Col("source", "资金来源"),
        Col("categories", "适用类别"),
        Col("cap", "每户上限(元)", "money"),
        Col("valid_from", "发放起始日期", "date"),
        Col("valid_to", "发放截止日期", "date"),
        Col("created_on", "设立日期", "date"),
    ],
    # The dated history of every fact a payment rule reads (docs/funds.md), so that `import`
    # judges each past payment by the facts of its day (services/history_sheet.py).
    "history": [
        Col("seq", "变更编号", "int"),
        Col("subject_kind", "对象类型"),
        Col("subject", "对象编号"),
        Col("fact", "事项"),
        Col("effective_from", "起始日期", "date"),
        Col("value", "内容"),
        Col("reason", "原因"),
        Col("origin", "来源"),
        Col("ledger_seq", "录入时已有流水", "int"),
        Col("recorded_at", "录入时间", "datetime"),
        Col("operator", "录入人"),
    ],
}
SHEET_ZH = {
    "households": "帮扶对象",
    "members": "家庭成员",
    "visits": "走访记录",
    "commitments": "承诺事项",
    "wishes": "微心愿",
    "suggestions": "意见建议",
    "ledger": "资金流水",
    "cadres": "干部名单",
    "funds": "资金项目",
    "history": "变更记录",
}
#: English sheet names other than the table's own.
SHEET_EN = {"history": "fact changes"}


def sheet_name(table: str, lang: str) -> str:
    return SHEET_ZH[table] if lang == "zh" else SHEET_EN.get(table, table)
