"""Set-based upsert of prepared fact rows, inside the caller's transaction.

PostgreSQL: COPY into a temporary staging table, then one INSERT ... SELECT DISTINCT ON ... ON CONFLICT
DO UPDATE ... WHERE IS DISTINCT FROM, so a re-sync rewrites only rows whose values changed.
SQLite (the embedded default): executemany of the same upsert. Both keep the last row of a key.
"""

from dataclasses import dataclass

import polars as pl
from django.db import connection
from django.utils import timezone

from sync.models import FactBase

COPY_CHUNK_ROWS = 50_000
NULL = r"\N"


@dataclass
class UpsertOutcome:
    staged: int  # valid rows handed in
    unique: int  # distinct natural keys among them
    written: int  # inserted or changed; the rest of `unique` were already there unchanged

    @property
    def superseded(self) -> int:
        return self.staged - self.unique

    @property
    def unchanged(self) -> int:
        return self.unique - self.written


def fact_sink(model: type[FactBase], columns: list[str]):
    sink = PostgresSink if connection.vendor == "postgresql" else SqliteSink
    return sink(model, columns)


class _Sink:
    def __init__(self, model: type[FactBase], columns: list[str]):
        self.model = model
        quote = connection.ops.quote_name
        self.table = quote(model._meta.db_table)
        self.names = columns
        self.columns = [quote(c) for c in columns]
        self.keys = [quote(model._meta.get_field(f).column) for f in model.natural_key_fields()]
        self.staged = 0

    def _update_clause(self, excluded: str, distinct: str) -> str:
        quote = connection.ops.quote_name
        lineage = [quote("source_file_id"), quote("source_row")]
        compared = [c for c in self.columns if c not in self.keys and c not in lineage]
        assignments = ", ".join(f"{c} = {excluded}.{c}" for c in [*compared, *lineage, quote("synced_at")])
        left = ", ".join(f"{self.table}.{c}" for c in compared)
        right = ", ".join(f"{excluded}.{c}" for c in compared)
        return (f"ON CONFLICT ({', '.join(self.keys)}) DO UPDATE SET {assignments} "
                f"WHERE ({left}) {distinct} ({right})")


class PostgresSink(_Sink):
    def __init__(self, model, columns):
        super().__init__(model, columns)
        self.stage = connection.ops.quote_name(f"stage_{model._meta.db_table}")
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.stage}")
            cursor.execute(
                f"CREATE TEMP TABLE {self.stage} ON COMMIT DROP AS "
                f"SELECT {', '.join(columns)} FROM {self.table} WITH NO DATA"
            )

    def add(self, frame: pl.DataFrame):
        if frame.height == 0:
            return
        copy_sql = f"COPY {self.stage} ({', '.join(self.columns)}) FROM STDIN (FORMAT csv, NULL '{NULL}')"
        with connection.cursor() as cursor, cursor.cursor.copy(copy_sql) as copy:
            for chunk in frame.iter_slices(COPY_CHUNK_ROWS):
                copy.write(chunk.write_csv(include_header=False, null_value=NULL,
                                           datetime_format="%Y-%m-%d %H:%M:%S%.6f+00"))
        self.staged += frame.height

    def finish(self) -> UpsertOutcome:
        keys = ", ".join(self.keys)
        cols = ", ".join(self.columns)
        order = f"{keys}, {connection.ops.quote_name('source_row')} DESC"
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM (SELECT DISTINCT {keys} FROM {self.stage}) AS k")
            unique = cursor.fetchone()[0]
            cursor.execute(
                f"INSERT INTO {self.table} ({cols}, synced_at) "
                f"SELECT DISTINCT ON ({keys}) {cols}, %s FROM {self.stage} ORDER BY {order} "
                + self._update_clause("EXCLUDED", "IS DISTINCT FROM"),
                [timezone.now()],
            )
            written = cursor.rowcount
            cursor.execute(f"DROP TABLE {self.stage}")
        return UpsertOutcome(staged=self.staged, unique=unique, written=written)


class SqliteSink(_Sink):
    def __init__(self, model, columns):
        super().__init__(model, columns)
        self.frames: list[pl.DataFrame] = []

    def add(self, frame: pl.DataFrame):
        if frame.height:
            self.frames.append(frame)
            self.staged += frame.height

    def finish(self) -> UpsertOutcome:
        if not self.frames:
            return UpsertOutcome(staged=0, unique=0, written=0)
        key_names = list(self.model.natural_key_fields())
        frame = pl.concat(self.frames).unique(subset=key_names, keep="last", maintain_order=True)
        frame = frame.with_columns(
            pl.col(pl.Datetime).dt.strftime("%Y-%m-%d %H:%M:%S.%f"),
            pl.col(pl.Date).cast(pl.String),
            synced_at=pl.lit(timezone.now().strftime("%Y-%m-%d %H:%M:%S.%f")),
        )
        placeholders = ", ".join(["%s"] * (len(self.columns) + 1))
        sql = (f"INSERT INTO {self.table} ({', '.join(self.columns)}, synced_at) VALUES ({placeholders}) "
               + self._update_clause("excluded", "IS NOT"))
        with connection.cursor() as cursor:
            before = _total_changes(cursor)
            cursor.executemany(sql, frame.select([*self.names, "synced_at"]).iter_rows())
            written = _total_changes(cursor) - before
        return UpsertOutcome(staged=self.staged, unique=frame.height, written=written)


def _total_changes(cursor) -> int:
    cursor.execute("SELECT total_changes()")
    return cursor.fetchone()[0]
