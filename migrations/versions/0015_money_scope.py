"""the money tables scoped to a cadre's villages on PostgreSQL (issue 19)

PostgreSQL only (SQLite unchanged; docs/security.md, "Money rows and the cadre's villages"):

* row-level security on ``ledger_entry``, ``plan_line``, ``plan_event`` and ``fact_change``:
  a **cadre** login reads only the rows of households it sees (its villages'), plus the rows
  that name no household — a fund's allocations and their reversals, a plan's approval, the
  facts of funds (not those of cadres: their relatives hold other villages' ID numbers). Every other role kind reads them whole, as before. Writing is
  unchanged (the grants and triggers decide it): the policies check nothing on INSERT;
* SECURITY DEFINER functions owned by the schema owner that answer, for any login, exactly
  what a payment needs beyond the login's own rows:

  - ``zoufang_chain_head()``: the money chain's newest seq and hash (read by zoufang after it
    took the write lock, so two payers still queue and keep one chain);
  - ``zoufang_fact_head()``: the fact chain's newest seq and hash;
  - ``zoufang_fund_totals(fund)``: a fund's allocated and disbursed sums, net of reversals;
  - ``zoufang_sharing(household)``: for a household the caller sees, the ``member_ids``
    fact rows of the other households that hold one of its people now, each value cut down
    to the people of this household (so no other person's ID number comes back);
  - ``zoufang_paid_sharing(fund, household)``: which of those households have a net receipt
    from the fund;
  - ``zoufang_relatives(household, cadres)``: the ``relatives`` facts of these cadres, each
    value cut down to the relatives in this household (a cadre login reads no cadre's facts).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 01:40:00
"""

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

#: Rows a cadre sees: those of a household it sees (the household policy of migration 0012
#: applies inside the condition), or naming none. Table → condition.
SCOPED = {
    "ledger_entry": "ledger_entry.household_code IS NULL OR EXISTS "
    "(SELECT 1 FROM household h WHERE h.code = ledger_entry.household_code)",
    "plan_line": "EXISTS (SELECT 1 FROM household h WHERE h.code = plan_line.household_code)",
    "plan_event": "plan_event.household_code IS NULL OR EXISTS "
    "(SELECT 1 FROM household h WHERE h.code = plan_event.household_code)",
    "fact_change": "fact_change.subject_kind = 'fund' OR (fact_change.subject_kind = "
    "'household' AND EXISTS (SELECT 1 FROM household h WHERE h.code = fact_change.subject))",
}

FUNCTIONS = (
    "zoufang_relatives(text, text[])",
    "zoufang_paid_sharing(text, text)",
    "zoufang_sharing(text)",
    "zoufang_people(text)",
    "zoufang_sharing_candidates(text)",
    "zoufang_fund_totals(text)",
    "zoufang_fact_head()",
    "zoufang_chain_head()",
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    schema = op.get_bind().exec_driver_sql("SELECT current_schema()").scalar_one()
    path = f'"{schema}", pg_temp'
    definer = f"SECURITY DEFINER SET search_path = {path}"
    op.execute(
        "CREATE OR REPLACE FUNCTION zoufang_chain_head() "
        "RETURNS TABLE (seq integer, hash varchar) LANGUAGE sql VOLATILE "
        f"{definer} AS $$ SELECT e.seq, e.hash FROM ledger_entry e "
        "ORDER BY e.seq DESC LIMIT 1 $$"
    )
    op.execute(
        "CREATE OR REPLACE FUNCTION zoufang_fact_head() "
        "RETURNS TABLE (seq integer, hash varchar) LANGUAGE sql VOLATILE "
        f"{definer} AS $$ SELECT f.seq, f.hash FROM fact_change f "
        "ORDER BY f.seq DESC LIMIT 1 $$"
    )
    # As fund_payment.totals_columns sums: a reversal without a household reverses an
    # allocation, one with a household a payment.
    op.execute(
        "CREATE OR REPLACE FUNCTION zoufang_fund_totals(fund text) "
        "RETURNS TABLE (allocated bigint, disbursed bigint) LANGUAGE sql VOLATILE "
        f"{definer} AS $$ SELECT "
        "coalesce(sum(CASE WHEN e.kind = 'allocate' THEN e.amount_fen "
        "  WHEN e.kind = 'reverse' AND e.household_code IS NULL THEN -e.amount_fen "
        "  ELSE 0 END), 0)::bigint, "
        "coalesce(sum(CASE WHEN e.kind = 'disburse' THEN e.amount_fen "
        "  WHEN e.kind = 'reverse' AND e.household_code IS NOT NULL THEN -e.amount_fen "
        "  ELSE 0 END), 0)::bigint "
        "FROM ledger_entry e WHERE e.fund_code = fund $$"
    )
    # The other households holding one of this household's people now (as head or member,
    # any status): as fund_payment's heads_sharing and members_sharing find them. Only for
    # a household the calling login sees; not granted to anyone (the two below call it).
    op.execute(
        "CREATE OR REPLACE FUNCTION zoufang_sharing_candidates(household text) "
        "RETURNS TABLE (id integer, code varchar) LANGUAGE sql VOLATILE "
        f"{definer} AS $$ "
        "WITH me AS (SELECT h.id, h.id_number FROM household h WHERE h.code = household "
        "  AND (zoufang_all_villages() OR h.village = ANY (zoufang_my_villages()))), "
        "persons AS (SELECT id_number FROM me WHERE id_number IS NOT NULL "
        "  UNION SELECT m.id_number FROM member m JOIN me ON m.household_id = me.id "
        "  WHERE m.id_number IS NOT NULL), "
        "ids AS (SELECT h.id FROM household h WHERE h.id_number IN (SELECT id_number "
        "  FROM persons) UNION SELECT m.household_id FROM member m "
        "  WHERE m.id_number IN (SELECT id_number FROM persons)) "
        "SELECT h.id, h.code FROM household h JOIN ids ON ids.id = h.id "
        "WHERE h.id NOT IN (SELECT id FROM me) $$"
    )
    op.execute("REVOKE ALL ON FUNCTION zoufang_sharing_candidates(text) FROM PUBLIC")
    # The people a household the calling login sees ever held: its member_ids facts and its
    # head's and members' numbers now (nothing for a household it does not see). Not
    # granted to anyone: the functions below cut the values they return down to these.
    op.execute(
        "CREATE OR REPLACE FUNCTION zoufang_people(household text) RETURNS SETOF text "
        f"LANGUAGE sql VOLATILE {definer} AS $$ "
        "WITH me AS (SELECT h.id, h.code, h.id_number FROM household h "
        "  WHERE h.code = household "
        "  AND (zoufang_all_villages() OR h.village = ANY (zoufang_my_villages()))) "
        "SELECT id_number FROM me WHERE id_number IS NOT NULL "
        "UNION SELECT m.id_number FROM member m JOIN me ON m.household_id = me.id "
        "  WHERE m.id_number IS NOT NULL "
        "UNION SELECT jsonb_array_elements_text(f.value::jsonb) FROM fact_change f "
        "  JOIN me ON f.subject = me.code WHERE f.subject_kind = 'household' "
        "  AND f.fact = 'member_ids' AND jsonb_typeof(f.value::jsonb) = 'array' $$"
    )
    op.execute("REVOKE ALL ON FUNCTION zoufang_people(text) FROM PUBLIC")
    # The sharing households' member_ids facts, each value cut down to this household's
    # people: the payment rule intersects the two, so it judges the same, and no other
    # person's number leaves.
    op.execute(
        "CREATE OR REPLACE FUNCTION zoufang_sharing(household text) "
        "RETURNS TABLE (seq integer, subject_kind varchar, subject varchar, fact varchar, "
        "value text, effective_from date, ledger_seq integer) LANGUAGE sql VOLATILE "
        f"{definer} AS $$ "
        "WITH mine AS (SELECT zoufang_people(household) AS person) "
        "SELECT f.seq, f.subject_kind, f.subject, f.fact, "
        "  CASE WHEN jsonb_typeof(f.value::jsonb) = 'array' THEN coalesce(("
        "    SELECT jsonb_agg(p ORDER BY p) FROM jsonb_array_elements_text(f.value::jsonb) p "
        "    WHERE p IN (SELECT person FROM mine)), '[]'::jsonb)::text ELSE '[]' END, "
        "  f.effective_from, f.ledger_seq "
        "FROM fact_change f JOIN zoufang_sharing_candidates(household) c "
        "  ON f.subject = c.code "
        "WHERE f.subject_kind = 'household' AND f.fact = 'member_ids' ORDER BY f.seq $$"
    )
    # The relatives facts of the cadres present at a payment, each value cut down to the
    # relatives in this household (by its code, or by one of its people's numbers): the
    # conflict-of-interest rule asks no more, and a cadre login reads no cadre's facts.
    op.execute(
        "CREATE OR REPLACE FUNCTION zoufang_relatives(household text, cadres text[]) "
        "RETURNS TABLE (seq integer, subject_kind varchar, subject varchar, fact varchar, "
        "value text, effective_from date, ledger_seq integer) LANGUAGE sql VOLATILE "
        f"{definer} AS $$ "
        "WITH mine AS (SELECT zoufang_people(household) AS person), "
        "seen AS (SELECT 1 FROM household h WHERE h.code = household "
        "  AND (zoufang_all_villages() OR h.village = ANY (zoufang_my_villages()))) "
        "SELECT f.seq, f.subject_kind, f.subject, f.fact, "
        "  CASE WHEN jsonb_typeof(f.value::jsonb) = 'array' THEN coalesce(("
        "    SELECT jsonb_agg(r ORDER BY r::text) FROM jsonb_array_elements(f.value::jsonb) r "
        "    WHERE jsonb_typeof(r) = 'object' AND (r ->> 'household' = household "
        "    OR r ->> 'id_number' IN (SELECT person FROM mine))), '[]'::jsonb)::text "
        "  ELSE '[]' END, f.effective_from, f.ledger_seq "
        "FROM fact_change f WHERE EXISTS (SELECT 1 FROM seen) "
        "AND f.subject_kind = 'cadre' AND f.fact = 'relatives' AND f.subject = ANY (cadres) "
        "ORDER BY f.seq $$"
    )
    op.execute(
        "CREATE OR REPLACE FUNCTION zoufang_paid_sharing(fund text, household text) "
        "RETURNS SETOF varchar LANGUAGE sql VOLATILE "
        f"{definer} AS $$ "
        "SELECT c.code FROM zoufang_sharing_candidates(household) c WHERE ("
        "  SELECT coalesce(sum(CASE WHEN e.kind = 'disburse' THEN e.amount_fen "
        "    ELSE -e.amount_fen END), 0) FROM ledger_entry e "
        "  WHERE e.fund_code = fund AND e.household_code = c.code) > 0 ORDER BY c.code $$"
    )
    # a login with no role (no active login_role row on a managed ledger) is scoped like a
    # cadre: it sees no more than a cadre without villages
    not_cadre = "coalesce((SELECT zoufang_my_role()), 'cadre') <> 'cadre'"
    for table, condition in SCOPED.items():
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY zoufang_village ON {table} "
            f"USING ({not_cadre} OR {condition}) WITH CHECK (true)"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in SCOPED:
        op.execute(f"DROP POLICY IF EXISTS zoufang_village ON {table}")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    for function in FUNCTIONS:
        op.execute(f"DROP FUNCTION IF EXISTS {function}")
