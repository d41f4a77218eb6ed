"""Alembic environment for zoufang.

zoufang runs migrations itself (``zoufang.db.run_migrations``) and hands Alembic an open
connection inside one transaction; SQLite uses batch mode so that ALTERs rebuild tables.
For development, ``alembic -c migrations/alembic.ini revision --autogenerate`` works too
with ``ZOUFANG_DB`` pointing at a ledger.
"""

from __future__ import annotations

from alembic import context

config = context.config


def _target_metadata():
    from zoufang.tables import metadata

    return metadata


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        import os

        from zoufang.db import database_url, make_engine

        engine = make_engine(database_url(os.environ.get("ZOUFANG_DB")))
        with engine.connect() as connection:
            _configure_and_run(connection)
            connection.commit()
        return
    _configure_and_run(connection)


def _configure_and_run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=_target_metadata(),
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
