"""One command's transaction: :class:`LedgerSession`, the one way services reach the database.

Every command gets one (``Ledger.session``), whatever its service is written with:

* SQLAlchemy Core, on the tables of :mod:`zoufang.tables`: ``session.connection().execute(…)``.
  The county-wide services (`due`, `audit funds`, `report`, `visit log`) work this way and
  never import the ORM;
* the ORM classes of :mod:`zoufang.models`: ``session.execute``, ``scalars``, ``get``,
  ``add``, ``flush`` … — the same methods, with the same meaning, as SQLAlchemy's
  ``Session``, which is opened on the same connection, inside the same transaction, the first
  time a service uses one of them.

Why not SQLAlchemy's ``Session`` for everything: importing the ORM (``sqlalchemy.orm``) is a
sizeable part of a county-wide read's time (docs/benchmarks.md), and those commands never
need it. Either way a command is one transaction: ``Ledger.session`` commits it when the
command's block finishes (after flushing what the ORM holds) and rolls it back if it raises.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from zoufang.clock import fixed_clock, real_utcnow

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine, Result, ScalarResult
    from sqlalchemy.orm import Session
    from sqlalchemy.sql import Executable

T = TypeVar("T")


class LedgerSession:
    """A transaction on one connection, for Core and ORM alike (see the module docstring).

    ``info`` carries what the audit log records with every write: the operator and the
    command.
    """

    def __init__(self, connection: Connection, info: Mapping[str, Any]) -> None:
        self._connection = connection
        self.info: dict[str, Any] = dict(info)
        self._orm: Session | None = None

    # ------------------------------------------------------------------ Core

    def connection(self) -> Connection:
        """The transaction's connection, for Core statements."""
        return self._connection

    def get_bind(self) -> Engine:
        return self._connection.engine

    def recorded_at(self) -> dt.datetime:
        """When this transaction records its rows, from the real clock (naive UTC, to the
        second): on PostgreSQL the server's ``now()`` (the start of the transaction, the same
        for every row it writes), on SQLite this machine's clock (the machine holding the
        file); the test suite's fixed clock when it sets one (:mod:`zoufang.clock`). Every
        evidence row a command writes carries this one value."""
        at = self.info.get("recorded_at")
        if at is None:
            at = fixed_clock()
            if at is None and self._connection.dialect.name == "postgresql":
                server = self._connection.exec_driver_sql(
                    "SELECT date_trunc('second', now() AT TIME ZONE 'UTC')"
                ).scalar_one()
                at = server.replace(tzinfo=None, microsecond=0)
            if at is None:
                at = real_utcnow()
            self.info["recorded_at"] = at
        return at

    # ------------------------------------------------------------------ ORM

    @property
    def orm(self) -> Session:
        """SQLAlchemy's ORM ``Session`` on this transaction, opened on first use."""
        if self._orm is None:
            from sqlalchemy.orm import Session

            self._orm = Session(
                bind=self._connection, expire_on_commit=False, autoflush=True, info=self.info
            )
        return self._orm

    @property
    def orm_if_open(self) -> Session | None:
        """The ORM session if a service has used it, else None (without opening one)."""
        return self._orm

    def execute(
        self,
        statement: Executable,
        params: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
    ) -> Result[*tuple[Any, ...]]:  # rows of any width, as Session.execute's
        return self.orm.execute(statement, params)

    def scalars(
        self, statement: Executable, params: Mapping[str, Any] | None = None
    ) -> ScalarResult[Any]:
        return self.orm.scalars(statement, params)

    def scalar(self, statement: Executable, params: Mapping[str, Any] | None = None) -> Any:
        return self.orm.scalar(statement, params)

    def get(self, entity: type[T], ident: Any) -> T | None:
        return self.orm.get(entity, ident)

    def add(self, instance: object) -> None:
        self.orm.add(instance)

    def add_all(self, instances: Iterable[object]) -> None:
        self.orm.add_all(instances)

    def delete(self, instance: object) -> None:
        self.orm.delete(instance)

    def flush(self) -> None:
        """Write what the ORM holds back (nothing to do if it was never used)."""
        if self._orm is not None:
            self._orm.flush()

    def close(self) -> None:
        if self._orm is not None:
            self._orm.close()
