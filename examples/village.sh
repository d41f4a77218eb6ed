#!/usr/bin/env bash
# A demo ledger recipe: one village's festival campaign, step by step, with the real commands.
# Usage: bash examples/village.sh [LEDGER]   (default: ./village.db, which must not exist yet)
# The README's tour shows this script's output.
set -euo pipefail
export ZOUFANG_DB="${1:-village.db}"
export ZOUFANG_OPERATOR="${ZOUFANG_OPERATOR:-王会计}"
zf() { echo "\$ zoufang $*"; zoufang "$@"; echo; }
# The story is dated January and February 2026; entered on another day, every write is a
# backfill, with this reason (the audits list it, and warn about entries made long after
# their date).
export ZOUFANG_BACKFILL="${ZOUFANG_BACKFILL:-示例：按故事中的日期补录}"

# Cadres, and one cadre's relative (for conflict-of-interest checks)
export ZOUFANG_TODAY=2026-01-05
zf cadre add --name 王建国 --unit 红星村党支部 --phone 13812345678 --email wang@example.cn
zf cadre add --name 李梅 --unit 青山镇民政办 --phone 13987654321

# Households (categories, visit kinds and cadres may be typed in Chinese, in either language)
zf enroll --name 陈大爷 --id-number 110101194503071237 --village 红星村 --category 老党员 --category 独居老人 --phone 13912345678 --members 1 --income 9,600 --hardship "独居，慢性支气管炎" --cadre C0001
zf enroll --name 王奶奶 --id-number 110101195206112340 --village 红星村 --category 低保 --members 3 --hardship 因病致贫 --cadre C0001
zf enroll --name 刘小明 --id-number 370203201204155616 --village 东风社区 --category 留守儿童 --cadre C0002
zf member add H000002 --name 张强 --relation 儿子 --birth-year 1978 --health 腰椎损伤
zf cadre relate C0002 --household H000002 --relation 表姐

# A festival fund: party dues for veteran and hardship members, 1,000 yuan a household at most
zf fund create CJ2026 --name 2026年春节党费慰问金 --category 老党员 --category 困难党员 --category 低保户 --cap 1,000 --from 2026-01-01 --to 2026-02-16 --source 市委组织部代管党费
zf fund allocate CJ2026 50,000 --memo "组通字〔2026〕3号"

# Visits: what was heard, given, promised and paid
export ZOUFANG_TODAY=2026-01-20
zf visit log H000001 --by C0001 --kind 节日慰问 --notes "身体尚可，屋顶漏雨" --need "修缮屋顶漏雨" --need-due 2026-03-31 --wish "想要一台收音机" --gift 米面油 --cash 800 --fund CJ2026
zf visit log H000002 --by C0001 --kind 节日慰问 --notes "儿子腰伤未愈，医药费负担重" --need "协助申请大病救助" --suggestion "希望村卫生室增加夜间值班" --cash 500 --fund CJ2026

# Rules refuse what should not be paid (exit 1, nothing written); a cadre may be named by name
zf fund disburse CJ2026 H000001 300 --by C0001 || true
zf fund disburse CJ2026 H000002 200 --by 李梅 || true

# Follow-through
export ZOUFANG_TODAY=2026-02-10
zf commitment respond 2 --note "已提交镇民政办，等待审核"
zf commitment list
zf due --days 30
zf household show H000001
zf fund list
zf notice CJ2026 --format markdown
zf audit funds
zf audit visits || true
