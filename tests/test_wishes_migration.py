"""Migration 0011 (wishes and suggestions) on a ledger made at 0010 holding visits, on the
backend under test: every visit item of kind wish or suggestion becomes an open wish or an
unanswered suggestion of its visit's household, heard on the visit's date, held by the
visit's first cadre (void where the visit was voided); the life cycle then works on them;
down to 0010 the new tables go and the visit items stay."""

from __future__ import annotations

import pytest

import rawdb
from zoufang import db

ROWS_0010 = [
    "INSERT INTO cadre (id, code, name) VALUES (1, 'C0001', '王建国'), (2, 'C0002', '李梅')",
    "INSERT INTO household (id, code, head_name, id_number, village, status, enrolled_on) "
    "VALUES (1, 'H000001', '陈大爷', '110101194503071237', '红星村', 'active', '2026-01-05'), "
    "(2, 'H000002', '王奶奶', '110101195206112345', '东风社区', 'active', '2026-01-05')",
    "INSERT INTO household_category (household_id, category_code) VALUES "
    "(1, 'veteran-member'), (2, 'low-income')",
    "INSERT INTO assignment (household_id, cadre_id, assigned_on) VALUES "
    "(1, 1, '2026-01-05'), (2, 2, '2026-01-05')",
    "INSERT INTO visit (id, household_id, visit_date, kind, notes, recorded_at, operator, status) "
    "VALUES (1, 1, '2026-03-01', 'routine', '屋顶漏雨', '2026-03-01 09:00:00', 't', 'current'), "
    "(2, 2, '2026-04-02', 'festival', NULL, '2026-04-02 09:00:00', 't', 'void'), "
    "(3, 2, '2026-11-10', 'routine', NULL, '2026-11-10 09:00:00', 't', 'current')",
    # visit 1 made by C0002 and C0001: the first cadre is the one with the lower id
    "INSERT INTO visit_cadre (visit_id, cadre_id) VALUES (1, 2), (1, 1), (2, 2), (3, 2)",
    "INSERT INTO visit_item (id, visit_id, kind, text) VALUES "
    "(1, 1, 'wish', '一台收音机'), (2, 1, 'suggestion', '村口装路灯'), (3, 1, 'gift', '米面油'), "
    "(4, 2, 'wish', '一床棉被'), (5, 3, 'suggestion', '增设公交站'), (6, 3, 'wish', '老花镜')",
]
SEQUENCES = [
    f"SELECT setval(pg_get_serial_sequence('{t}', 'id'), (SELECT MAX(id) FROM {t}))"
    for t in ("cadre", "household", "visit", "visit_item")
]


def _migrate(path, target: str, *, down: bool = False) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(db.migrations_dir()))
    engine = db.make_engine(db.database_url(path))
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":  # as db.run_migrations: outside the transaction
                conn.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")
            with conn.begin():
                config.attributes["connection"] = conn
                (command.downgrade if down else command.upgrade)(config, target)
    finally:
        engine.dispose()


@pytest.fixture
def ledger_0010(ledger_path):
    """The test's ledger replaced by one made at 0010, holding visits that heard wishes and
    suggestions (one of them voided)."""
    if rawdb.ON_POSTGRESQL:
        rawdb.create_database(ledger_path.name)
    else:
        ledger_path.unlink()
    _migrate(ledger_path, "0010")
    rawdb.execute(ledger_path, *ROWS_0010, *(SEQUENCES if rawdb.ON_POSTGRESQL else []))
    return ledger_path


def test_0011_turns_the_visit_items_into_wishes_and_suggestions(zf, ledger_0010):
    path = ledger_0010
    result = zf("db", "upgrade")
    assert result.exit_code == 0, result.stderr
    wishes = rawdb.query(
        path,
        "SELECT household_id, visit_id, text, heard_on, cadre_id, status FROM wish ORDER BY id",
    )
    assert [tuple(str(v) for v in w) for w in wishes] == [
        ("1", "1", "一台收音机", "2026-03-01", "1", "open"),
        ("2", "2", "一床棉被", "2026-04-02", "2", "void"),
        ("2", "3", "老花镜", "2026-11-10", "2", "open"),
    ]
    suggestions = rawdb.query(
        path,
        "SELECT household_id, visit_id, text, heard_on, cadre_id, status FROM suggestion "
        "ORDER BY id",
    )
    assert [tuple(str(v) for v in s) for s in suggestions] == [
        ("1", "1", "村口装路灯", "2026-03-01", "1", "unanswered"),
        ("2", "3", "增设公交站", "2026-11-10", "2", "unanswered"),
    ]
    assert rawdb.query(path, "SELECT COUNT(*) FROM visit_item")[0][0] == 6  # they stay
    # the life cycle works on them, and the figures count them
    assert [w["id"] for w in zf("wish", "list", "--format", "json").json()] == [1, 3]
    assert zf("wish", "claim", "1", "--by", "C0001").exit_code == 0
    assert zf("wish", "fulfil", "1", "--note", "已送到").exit_code == 0
    assert zf("suggestion", "answer", "1", "--note", "已报修", "--adopted").exit_code == 0
    heard = zf("report", "--format", "json").json()["heard"]
    assert (heard["wishes"], heard["wishes_fulfilled"]) == (2, 1)
    assert (heard["suggestions"], heard["suggestions_adopted"]) == (2, 1)
    findings = zf("audit", "visits", "--format", "json").json()["findings"]
    assert ("suggestion-unanswered", "H000002") not in {
        (f["check"], f["household"]) for f in findings
    }
    assert ("wish-unclaimed", "H000001") not in {(f["check"], f["household"]) for f in findings}
    # a new visit after the upgrade opens its own
    result = zf("visit", "log", "H000001", "--by", "C0002", "--wish", "助听器", "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["wishes"] == [4]


def test_0011_downgrade_drops_the_tables_and_keeps_the_visit_items(zf, ledger_0010):
    path = ledger_0010
    _migrate(path, "0011")
    assert zf("wish", "claim", "1", "--by", "C0001").exit_code == 0
    assert zf("suggestion", "answer", "1", "--note", "已答复").exit_code == 0
    _migrate(path, "0010", down=True)
    tables = set(rawdb.table_names(path))
    assert not {"wish", "wish_event", "suggestion", "suggestion_answer"} & tables
    assert rawdb.query(path, "SELECT COUNT(*) FROM visit_item")[0][0] == 6
    _migrate(path, "0011")  # and up again: the items become wishes once more
    assert rawdb.query(path, "SELECT COUNT(*) FROM wish")[0][0] == 3
