"""identities, roles and village scope on PostgreSQL (issue 19)

Both backends:

* ``cadre.login``: the PostgreSQL login a cadre works as (``cadre add --login``), unique;
* ``login_role`` and ``login_village``: the logins `zoufang user add` manages, their role
  kind and their villages (empty on a SQLite ledger);
* ``audit_log`` becomes append-only like ``ledger_entry``: triggers refuse UPDATE and DELETE.

PostgreSQL only (docs/security.md says what each piece guards against):

* every column that names who wrote a row — ``operator`` of ``audit_log``, ``correction``,
  ``fact_change``, ``ledger_entry``, ``plan_event``, ``visit``, ``commitment_response`` and
  ``plan.drafted_by`` — defaults to ``session_user``, and a trigger refuses any other value
  (and any change of it) unless the login is the schema owner or a superuser, who can drop
  the trigger anyway (``db copy`` copies other people's rows that way);
* SECURITY DEFINER functions the policies and zoufang read: ``zoufang_my_role()``,
  ``zoufang_all_villages()``, ``zoufang_my_villages()``; and ``zoufang_write_lock()``, which
  takes the ledger's write lock (an EXCLUSIVE lock on ``alembic_version``, a table no
  ordinary login has a right to lock) with a lock timeout;
* a cadre login's ledger entry must pay an approved plan's line (this household, its
  amount), checked at commit by a deferred constraint trigger;
* row-level security on every table with village data (``household`` and every table that
  hangs off a household or a visit), and on ``audit_log`` (a cadre reads its own rows; an
  auditor appends only reveal, export, backup and copy rows).

The grants to the role kinds are not made here: the schema owner need not be allowed to
create roles. `zoufang user add` (run by the owner or a superuser) creates the group roles
and grants their rights, and does again after every upgrade.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 22:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

#: (table, column) of every column naming the login that wrote a row.
OPERATOR_COLUMNS = [
    ("audit_log", "operator"),
    ("correction", "operator"),
    ("fact_change", "operator"),
    ("ledger_entry", "operator"),
    ("plan_event", "operator"),
    ("visit", "operator"),
    ("commitment_response", "operator"),
    ("plan", "drafted_by"),
    ("wish_event", "operator"),
    ("suggestion_answer", "operator"),
]

#: Tables whose rows belong to a household's village: (table, condition naming the row's
#: household through a table that already has its own policy). ``household`` itself is
#: scoped on its ``village``.
SCOPED = [
    ("member", "EXISTS (SELECT 1 FROM household h WHERE h.id = member.household_id)"),
    (
        "household_category",
        "EXISTS (SELECT 1 FROM household h WHERE h.id = household_category.household_id)",
    ),
    ("assignment", "EXISTS (SELECT 1 FROM household h WHERE h.id = assignment.household_id)"),
    (
        "cadre_relative",
        "cadre_relative.household_id IS NULL OR EXISTS "
        "(SELECT 1 FROM household h WHERE h.id = cadre_relative.household_id)",
    ),
    ("visit", "EXISTS (SELECT 1 FROM household h WHERE h.id = visit.household_id)"),
    ("visit_item", "EXISTS (SELECT 1 FROM visit v WHERE v.id = visit_item.visit_id)"),
    ("visit_cadre", "EXISTS (SELECT 1 FROM visit v WHERE v.id = visit_cadre.visit_id)"),
    ("commitment", "EXISTS (SELECT 1 FROM household h WHERE h.id = commitment.household_id)"),
    (
        "commitment_response",
        "EXISTS (SELECT 1 FROM commitment c WHERE c.id = commitment_response.commitment_id)",
    ),
    (
        "correction",
        "correction.household_id IS NULL OR EXISTS "
        "(SELECT 1 FROM household h WHERE h.id = correction.household_id)",
    ),
    ("wish", "EXISTS (SELECT 1 FROM household h WHERE h.id = wish.household_id)"),
    ("wish_event", "EXISTS (SELECT 1 FROM wish w WHERE w.id = wish_event.wish_id)"),
    ("suggestion", "EXISTS (SELECT 1 FROM household h WHERE h.id = suggestion.household_id)"),
    (
        "suggestion_answer",
        "EXISTS (SELECT 1 FROM suggestion s WHERE s.id = suggestion_answer.suggestion_id)",
    ),
]

#: Roles that read and write every village (an officer without villages too).
ALL_VILLAGES = "('owner', 'unmanaged', 'finance', 'auditor', 'admin')"


def upgrade() -> None:
    op.add_column("cadre", sa.Column("login", sa.String(length=100), nullable=True))
    op.create_index("ix_cadre_login", "cadre", ["login"], unique=True)
    op.create_table(
        "login_role",
        sa.Column("login", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("changed_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("login"),
    )
    op.create_table(
        "login_village",
        sa.Column("login", sa.String(length=100), nullable=False),
        sa.Column("village", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["login"], ["login_role.login"]),
        sa.PrimaryKeyConstraint("login", "village"),
    )
    if op.get_bind().dialect.name == "sqlite":
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_log_no_{event.lower()} BEFORE {event} ON audit_log "
                "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
            )
        return
    _postgresql_upgrade()


def _postgresql_upgrade() -> None:
    schema = op.get_bind().exec_driver_sql("SELECT current_schema()").scalar_one()
    path = f'"{schema}", pg_temp'
    op.execute(
        "CREATE OR REPLACE FUNCTION zoufang_audit_log_append_only() RETURNS trigger AS $$ "
        "BEGIN RAISE EXCEPTION 'the audit log is append-only'; END; $$ LANGUAGE plpgsql"
    )
    op.execute(
        "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
        "FOR EACH ROW EXECUTE FUNCTION zoufang_audit_log_append_only()"
    )
    # Is the session's login the schema owner (or a member of it, or a superuser)?
    op.execute(
        "CREATE OR REPLACE FUNCTION zoufang_privileged() RETURNS boolean LANGUAGE sql STABLE "
        f"SET search_path = {path} AS $$ SELECT pg_has_role(session_user, "
        "(SELECT relowner FROM pg_class WHERE oid = 'alembic_version'::regclass), 'USAGE') $$"
    )
    # The column naming the writer is the login: filled in when left out, refused otherwise.
    op.execute(
        "CREATE OR REPLACE FUNCTION zoufang_operator_is_login() RETURNS trigger "
        f"LANGUAGE plpgsql SET search_path = {path} AS $$ "
        "DECLARE col text := TG_ARGV[0]; given text := to_jsonb(NEW) ->> col; "
        "BEGIN "
        "IF TG_OP = 'UPDATE' THEN "
        "  IF given IS DISTINCT FROM (to_jsonb(OLD) ->> col) AND NOT zoufang_privileged() THEN "
        "    RAISE EXCEPTION USING ERRCODE = '42501', MESSAGE = format("
        "      'zoufang: %s.%s names who wrote the row and cannot be changed', "
        "      TG_TABLE_NAME, col); "
        "  END IF; "
        "ELSIF given IS NULL THEN "
        "  NEW := jsonb_populate_record(NEW, jsonb_build_object(col, session_user)); "
        "ELSIF given <> session_user AND NOT zoufang_privileged() THEN "
        "  RAISE EXCEPTION USING ERRCODE = '42501', MESSAGE = format("
        "    'zoufang: %s.%s must be the login %s, not %s', TG_TABLE_NAME, col, "
        "    session_user, given); "
        "END IF; "
        "RETURN NEW; END $$"
    )
    for table, column in OPERATOR_COLUMNS:
        op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET DEFAULT session_user")
        op.execute(
            f"CREATE TRIGGER {table}_{column}_is_login BEFORE INSERT OR UPDATE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION zoufang_operator_is_login('{column}')"
        )
    # What the policies and zoufang read about the session's login.
    op.execute(
        "CREATE OR REPLACE FUNCTION zoufang_my_role() RETURNS text LANGUAGE sql STABLE "
        f"SECURITY DEFINER SET search_path = {path} AS $$ SELECT CASE "
        "WHEN zoufang_privileged() THEN 'owner' "
        "WHEN NOT EXISTS (SELECT 1 FROM login_role) THEN 'unmanaged' "
        "ELSE (SELECT role FROM login_role WHERE login = session_user AND active) END $$"
    )
    op.execute(
        "CREATE OR REPLACE FUNCTION zoufang_my_villages() RETURNS text[] LANGUAGE sql STABLE "
        f"SECURITY DEFINER SET search_path = {path} AS $$ "
        "SELECT coalesce(array_agg(v.village), '{}') FROM login_village v "
        "JOIN login_role r ON r.login = v.login WHERE v.login = session_user AND r.active $$"
    )
    op.execute(
        "CREATE OR REPLACE FUNCTION zoufang_all_villages() RETURNS boolean LANGUAGE sql STABLE "
        f"SECURITY DEFINER SET search_path = {path} AS $$ SELECT coalesce("
        f"zoufang_my_role() IN {ALL_VILLAGES} OR (zoufang_my_role() = 'officer' "
        "AND cardinality(zoufang_my_villages()) = 0), false) $$"
    )
    # The ledger's write lock, only through this function: an EXCLUSIVE lock on
    # alembic_version, which no ordinary login has the right to take itself.
    op.execute(
        "CREATE OR REPLACE FUNCTION zoufang_write_lock() RETURNS void LANGUAGE plpgsql "
        f"SECURITY DEFINER SET search_path = {path} SET lock_timeout = '30s' AS $$ "
        "BEGIN LOCK TABLE alembic_version IN EXCLUSIVE MODE; END $$"
    )
    # The highest household codes of every village, for the next free code (`enroll`): a
    # login scoped to its villages would otherwise pick a code another village holds.
    op.execute(
        "CREATE OR REPLACE FUNCTION zoufang_household_codes(prefix text) RETURNS SETOF text "
        f"LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {path} AS $$ "
        "SELECT code FROM household WHERE code LIKE prefix || '%' "
        "AND rtrim(code, '0123456789') = prefix "
        "ORDER BY length(code) DESC, code DESC LIMIT 50 $$"
    )
    # Only zoufang's group roles may take the lock (granted by `zoufang user add`); the
    # policies' functions run as whoever queries, and tell a login only about itself.
    op.execute("REVOKE ALL ON FUNCTION zoufang_write_lock() FROM PUBLIC")
    # A cadre pays only an approved plan's line, this household's, its amount: checked at
    # commit, when zoufang has linked the entry to its line (plan_payment).
    op.execute(
        "CREATE OR REPLACE FUNCTION zoufang_cadre_pays_plans_only() RETURNS trigger "
        f"LANGUAGE plpgsql SET search_path = {path} AS $$ BEGIN "
        "IF zoufang_my_role() = 'cadre' AND (NEW.kind <> 'disburse' OR NOT EXISTS ("
        "  SELECT 1 FROM plan_payment p JOIN plan_line l ON l.id = p.plan_line_id "
        "  JOIN plan_event e ON e.plan_id = l.plan_id AND e.kind = 'approve' "
        "  WHERE p.entry_seq = NEW.seq AND l.household_code = NEW.household_code "
        "  AND l.amount_fen = NEW.amount_fen)) THEN "
        "  RAISE EXCEPTION USING ERRCODE = '42501', MESSAGE = format("
        "    'zoufang: the cadre login %s pays only the lines of an approved plan', "
        "    session_user); "
        "END IF; RETURN NULL; END $$"
    )
    op.execute(
        "CREATE CONSTRAINT TRIGGER ledger_entry_cadre_plan_only AFTER INSERT ON ledger_entry "
        "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
        "EXECUTE FUNCTION zoufang_cadre_pays_plans_only()"
    )
    # Row-level security: a login sees and writes the rows of its villages only.
    everywhere = "(SELECT zoufang_all_villages())"
    op.execute("ALTER TABLE household ENABLE ROW LEVEL SECURITY")
    op.execute(
        "CREATE POLICY zoufang_village ON household USING "
        f"({everywhere} OR village IN (SELECT unnest(zoufang_my_villages())))"
    )
    for table, condition in SCOPED:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY zoufang_village ON {table} USING ({everywhere} OR {condition})")
    op.execute("ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY")
    op.execute(
        "CREATE POLICY zoufang_read ON audit_log FOR SELECT USING ("
        "(SELECT zoufang_my_role()) <> 'cadre' OR operator = session_user)"
    )
    op.execute(
        "CREATE POLICY zoufang_append ON audit_log FOR INSERT WITH CHECK ("
        "(SELECT zoufang_my_role()) <> 'auditor' "
        "OR action IN ('reveal', 'export', 'backup', 'copy'))"
    )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
    else:
        op.execute("DROP POLICY IF EXISTS zoufang_read ON audit_log")
        op.execute("DROP POLICY IF EXISTS zoufang_append ON audit_log")
        op.execute("ALTER TABLE audit_log DISABLE ROW LEVEL SECURITY")
        for table in ["household"] + [t for t, _c in SCOPED]:
            op.execute(f"DROP POLICY IF EXISTS zoufang_village ON {table}")
            op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
        for table, column in OPERATOR_COLUMNS:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_{column}_is_login ON {table}")
            op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} DROP DEFAULT")
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP TRIGGER IF EXISTS ledger_entry_cadre_plan_only ON ledger_entry")
        for function in (
            "zoufang_household_codes(text)",
            "zoufang_cadre_pays_plans_only()",
            "zoufang_write_lock()",
            "zoufang_all_villages()",
            "zoufang_my_villages()",
            "zoufang_my_role()",
            "zoufang_operator_is_login()",
            "zoufang_privileged()",
            "zoufang_audit_log_append_only()",
        ):
            op.execute(f"DROP FUNCTION IF EXISTS {function}")
    op.drop_table("login_village")
    op.drop_table("login_role")
    op.drop_index("ix_cadre_login", table_name="cadre")
    if bind.dialect.name == "sqlite":
        bind.exec_driver_sql("ALTER TABLE cadre DROP COLUMN login")
    else:
        op.drop_column("cadre", "login")
