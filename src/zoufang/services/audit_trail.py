"""`audit funds`' look at the database's own change trail (migration 0014; docs/security.md).

On PostgreSQL, triggers append every change to the tables with village data to
``change_trail``, with the transaction that made it; every zoufang command that changes such
a table writes audit-log rows in the same transaction (``audit_log.txid``). A transaction in
the trail with no audit-log row was made outside zoufang — with psql, by a login within its
own rights — and is an ``unlogged-change`` warning naming the login, the table, the rows'
keys and the time. A SQLite ledger keeps no trail (its one user owns the file).

One finding per transaction and table; the database picks the transactions (the trail's
distinct transactions against the audit log's, both indexed), so an honest ledger costs one
pass over the trail's ``txid`` index.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from zoufang.i18n import N_, _
from zoufang.labels import Message
from zoufang.services.audit_findings import Finding, finding

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from zoufang.db import LedgerSession

#: Keys named in one finding; the rest are counted.
SHOWN_KEYS = 5

#: The transactions in the trail with no audit-log row: the distinct transactions from the
#: trail's index, each looked up in the audit log's (11 ms for 71,000 trail rows, against
#: 40 ms for grouping every trail row).
#: A transaction is its txid on one server (cluster_id): a ledger copied or restored into
#: another server keeps its rows' txids, which that server's counter reaches again.
_LONE = (
    "SELECT d.txid, d.cluster_id FROM (SELECT DISTINCT txid, cluster_id FROM change_trail) d "
    "WHERE NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.txid = d.txid "
    "AND a.cluster_id IS NOT DISTINCT FROM d.cluster_id)"
)
#: Its rows: ``lone`` as the trail's alias ``t`` joined to those transactions.
_OF_LONE = f"WITH lone AS ({_LONE}) "
_JOIN_LONE = "JOIN lone l ON l.txid = t.txid AND l.cluster_id IS NOT DISTINCT FROM t.cluster_id "
#: Their rows, one line per transaction and table.
_UNLOGGED = _OF_LONE + (
    "SELECT t.txid, t.login, t.table_name, min(t.at), count(DISTINCT t.row_key), "
    f"(array_agg(DISTINCT t.row_key))[1:{SHOWN_KEYS}], string_agg(DISTINCT t.operation, ',') "
    "FROM change_trail t "
    + _JOIN_LONE
    + "GROUP BY t.txid, t.login, t.table_name ORDER BY min(t.id)"
)


def unlogged_change_findings(conn: Connection) -> list[Finding]:
    """A warning for each transaction and table the trail holds and the audit log does not."""
    if conn.dialect.name != "postgresql":
        return []
    if conn.exec_driver_sql(_LONE + " LIMIT 1").first() is None:
        return []
    found = []
    rows = conn.exec_driver_sql(_UNLOGGED)
    for txid, login, table, at, count, keys, operations in rows:
        shown = ", ".join(keys)
        if count > len(keys):
            shown += f" (+{count - len(keys)})"
        found.append(
            finding(
                "unlogged-change",
                Message(
                    N_(
                        "the login {login} changed {table} {keys} ({operations}) at {at} "
                        "outside zoufang: transaction {txid} wrote no audit-log row"
                    ),
                    login=login,
                    table=table,
                    keys=shown,
                    operations=operations,
                    at=f"{at:%Y-%m-%d %H:%M:%S}",
                    txid=txid,
                ),
                household=keys[0] if table == "household" and count == 1 else None,
                severity="warning",
            )
        )
    return found


#: Tables whose rows name their household in ``household_id``.
_OF_HOUSEHOLD = (
    "member",
    "household_category",
    "assignment",
    "cadre_relative",
    "visit",
    "commitment",
    "wish",
    "suggestion",
    "correction",
)

_HOUSEHOLD_ROWS = _OF_LONE + (
    "SELECT t.at, t.login, t.table_name, t.operation, t.row_key, t.old_values, t.new_values, "
    "t.txid FROM change_trail t " + _JOIN_LONE + "WHERE ("
    "(t.table_name = 'household' AND t.row_key = %(code)s) OR "
    "(t.table_name = ANY(%(tables)s) AND coalesce(t.new_values, t.old_values) "
    "->> 'household_id' = %(id)s)) ORDER BY t.id"
)


def unlogged_household_changes(session: LedgerSession, code: str) -> list[dict]:
    """The changes to a household's rows (its own, its members', categories', visits' …)
    made outside zoufang, for `household history`: in the shape of
    :func:`zoufang.services.fact_history.household_history`'s rows, ``fact``
    ``unlogged-change``, ``before``/``after`` the changed columns (ID numbers masked) and
    ``reason`` the table, key, operation and transaction. Empty on SQLite."""
    from zoufang.services.households import get_household

    conn = session.connection()
    if conn.dialect.name != "postgresql":
        return []
    household = get_household(session=session, code=code)
    if conn.exec_driver_sql(_LONE + " LIMIT 1").first() is None:
        return []
    rows = conn.exec_driver_sql(
        _HOUSEHOLD_ROWS,
        {
            "code": household.code,
            "tables": list(_OF_HOUSEHOLD),
            "id": str(household.id),
        },
    )
    out = []
    for at, login, table, operation, key, old, new, txid in rows:
        before, after = _difference(old, new)
        out.append(
            {
                "seq": None,
                "fact": "unlogged-change",
                "effective_from": None,
                "recorded_at": at,
                "operator": login,
                "origin": "unlogged",
                "before": before,
                "after": after,
                "reason": _("{table} {key} ({operation}), transaction {txid}").format(
                    table=table, key=key, operation=operation, txid=txid
                ),
            }
        )
    return out


def _difference(old: dict | None, new: dict | None) -> tuple[str | None, str | None]:
    """The columns an UPDATE changed (every column of an inserted or deleted row), as
    ``column: value; …`` before and after; ID numbers masked."""
    from zoufang.parsing import mask_id_number

    old, new = old or {}, new or {}
    columns = [c for c in {**old, **new} if old.get(c) != new.get(c)] if old and new else None
    if columns is None:
        columns = [c for c in {**old, **new} if (old or new).get(c) is not None]

    def text(values: dict) -> str | None:
        if not values:
            return None
        shown = []
        for column in columns:
            value = values.get(column)
            if column == "id_number" and value:
                value = mask_id_number(value)
            shown.append(f"{column}: {value}")
        return "; ".join(shown)

    return text(old), text(new)
