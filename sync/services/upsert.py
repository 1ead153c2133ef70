"""Set-based writes inside the caller's transaction.

Fact rows, PostgreSQL: COPY into a temporary staging table, then one INSERT ... SELECT ... ON CONFLICT
DO UPDATE ... WHERE ... IS DISTINCT FROM, so a re-sync rewrites only rows whose values changed.
SQLite (the embedded default): executemany of the same upsert. Keys repeated in a file keep the last row.
"""

from dataclasses import dataclass

import polars as pl
from django.db import connection, models
from django.utils import timezone
from psycopg.types.json import Jsonb

from sync.models import FactBase

COPY_CHUNK_ROWS = 20_000
NULL = r"\N"


@dataclass
class UpsertOutcome:
    staged: int  # distinct keys handed in
    superseded: int  # rows replaced by a later row of the same key in another batch
    written: int  # inserted or changed; the rest of `staged` were already there, unchanged

    @property
    def unchanged(self) -> int:
        return self.staged - self.written


def fact_sink(model: type[FactBase], columns: list[str]):
    sink = PostgresSink if connection.vendor == "postgresql" else SqliteSink
    return sink(model, columns)


def with_extra_json(frame: pl.DataFrame) -> pl.DataFrame:
    if frame.schema["extra"] == pl.String:
        return frame
    return frame.with_columns(pl.col("extra").struct.json_encode())


class _Sink:
    def __init__(self, model: type[FactBase], columns: list[str]):
        quote = connection.ops.quote_name
        self.model = model
        self.key_names = list(model.natural_key_fields())
        self.names = columns
        self.table = quote(model._meta.db_table)
        self.columns = [quote(c) for c in columns]
        self.keys = [quote(k) for k in self.key_names]
        self.staged = self.superseded = 0
        self.seen_keys: pl.DataFrame | None = None

    def _upsert_clause(self, excluded: str, distinct: str) -> str:
        quote = connection.ops.quote_name
        lineage = [quote("source_file_id"), quote("source_row")]
        compared = [c for c in self.columns if c not in self.keys and c not in lineage]
        assignments = ", ".join(f"{c} = {excluded}.{c}" for c in [*compared, *lineage, quote("synced_at")])
        left = ", ".join(f"{self.table}.{c}" for c in compared)
        right = ", ".join(f"{excluded}.{c}" for c in compared)
        return (f"ON CONFLICT ({', '.join(self.keys)}) DO UPDATE SET {assignments} "
                f"WHERE ({left}) {distinct} ({right})")

    def _repeated_keys(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Keys of this batch that an earlier batch already staged (each batch is unique in itself)."""
        keys = frame.select(self.key_names)
        repeated = keys.join(self.seen_keys, on=self.key_names, how="semi") if self.seen_keys is not None else keys.clear()
        self.seen_keys = keys if self.seen_keys is None else pl.concat([self.seen_keys, keys])
        return repeated


class PostgresSink(_Sink):
    def __init__(self, model, columns):
        super().__init__(model, columns)
        self.stage = connection.ops.quote_name(f"stage_{model._meta.db_table}")
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.stage}")
            cursor.execute(f"CREATE TEMP TABLE {self.stage} ON COMMIT DROP AS "
                           f"SELECT {', '.join(self.columns)} FROM {self.table} WITH NO DATA")

    def add(self, frame: pl.DataFrame):
        if frame.height == 0:
            return
        repeated = self._repeated_keys(frame)
        with connection.cursor() as cursor:
            if repeated.height:
                self._unstage(cursor, repeated)
            copy_sql = f"COPY {self.stage} ({', '.join(self.columns)}) FROM STDIN (FORMAT csv, NULL '{NULL}')"
            with cursor.cursor.copy(copy_sql) as copy:
                for chunk in frame.iter_slices(COPY_CHUNK_ROWS):
                    copy.write(with_extra_json(chunk).write_csv(
                        include_header=False, null_value=NULL, datetime_format="%Y-%m-%d %H:%M:%S%.6f+00"))
        self.staged += frame.height - repeated.height
        self.superseded += repeated.height

    def _unstage(self, cursor, keys: pl.DataFrame):
        condition = " AND ".join(f"{k} = %s" for k in self.keys)
        cursor.executemany(f"DELETE FROM {self.stage} WHERE {condition}",
                           keys.with_columns(pl.col(pl.Date).cast(pl.String)).rows())

    def finish(self) -> UpsertOutcome:
        cols = ", ".join(self.columns)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {self.table} ({cols}, synced_at) SELECT {cols}, %s FROM {self.stage} "
                + self._upsert_clause("EXCLUDED", "IS DISTINCT FROM"),
                [timezone.now()],
            )
            written = cursor.rowcount
            cursor.execute(f"DROP TABLE {self.stage}")
        return UpsertOutcome(staged=self.staged, superseded=self.superseded, written=written)


class SqliteSink(_Sink):
    def __init__(self, model, columns):
        super().__init__(model, columns)
        self.frames: list[pl.DataFrame] = []

    def add(self, frame: pl.DataFrame):
        if frame.height:
            self.frames.append(with_extra_json(frame))

    def finish(self) -> UpsertOutcome:
        if not self.frames:
            return UpsertOutcome(staged=0, superseded=0, written=0)
        every = pl.concat(self.frames)
        frame = every.unique(subset=self.key_names, keep="last", maintain_order=True)
        frame = frame.with_columns(
            pl.col(pl.Datetime).dt.strftime("%Y-%m-%d %H:%M:%S.%f"),
            pl.col(pl.Date).cast(pl.String),
            synced_at=pl.lit(timezone.now().strftime("%Y-%m-%d %H:%M:%S.%f")),
        )
        placeholders = ", ".join(["%s"] * (len(self.columns) + 1))
        sql = (f"INSERT INTO {self.table} ({', '.join(self.columns)}, synced_at) VALUES ({placeholders}) "
               + self._upsert_clause("excluded", "IS NOT"))
        with connection.cursor() as cursor:
            before = _total_changes(cursor)
            cursor.executemany(sql, frame.select([*self.names, "synced_at"]).iter_rows())
            written = _total_changes(cursor) - before
        return UpsertOutcome(staged=frame.height, superseded=every.height - frame.height, written=written)


def _total_changes(cursor) -> int:
    cursor.execute("SELECT total_changes()")
    return cursor.fetchone()[0]


def insert_rows(model: type[models.Model], rows: list[dict]):
    """Plain inserts of many rows: COPY on PostgreSQL (bulk_create's one giant statement is slow to
    build for wide JSON rows), bulk_create elsewhere."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**row) for row in rows], batch_size=1000)
        return
    fields = [model._meta.get_field(name) for name in rows[0]]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    json_fields = {f.attname for f in fields if isinstance(f, models.JSONField)}
    with connection.cursor() as cursor, cursor.cursor.copy(
            f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([Jsonb(v) if k in json_fields else v for k, v in row.items()])
