"""Set-based writes of prepared fact rows inside the caller's transaction.

Each row carries a hash of its synced values. On PostgreSQL a batch is compared with what the table
holds for the same shop and dates (keys and hashes only): new rows are COPied straight into the table,
changed rows go through a staging table and one INSERT ... ON CONFLICT DO UPDATE, unchanged rows are
not sent at all. An advisory lock per shop / granularity keeps a concurrent sync from slipping a row
in between the comparison and the write. SQLite (the embedded default) runs one upsert per row that
skips rows whose hash is unchanged. Keys repeated in a file keep their last row.
"""

from dataclasses import dataclass

import polars as pl
from django.db import connection, models
from django.utils import timezone
from psycopg.types.json import Jsonb

from sync.errors import FileRejected
from sync.ingest.change_sets import change_sets_record
from sync.ingest.unmapped import FILE
from sync.models import CatalogFile, FactBase

COPY_CHUNK_ROWS = 20_000
CATALOG = connection.ops.quote_name(CatalogFile._meta.db_table)
NULL = r"\N"
_CSV_OPTIONS = {"include_header": False, "null_value": NULL, "datetime_format": "%Y-%m-%d %H:%M:%S%.6f+00"}


class WritesOverlap(Exception):
    """Files offered to add_files write some row more than once: written together, the table would see
    only the last write, and the earlier file's change set could not undo its own (they go one by one)."""


@dataclass
class UpsertOutcome:
    staged: int  # distinct keys handed in
    superseded: int  # rows replaced by a later row of the same key in another batch
    written: int  # inserted or changed; the rest of `staged` were already there, unchanged

    @property
    def unchanged(self) -> int:
        return self.staged - self.written


def fact_sink(model: type[FactBase], columns: list[str], *, place: dict, file_ids: list[int],
              task_id: int | None = None):
    """`columns`: what each frame added holds besides its `row_hash` (rows.prepare_batch hashes the rows);
    `file_ids`: the files whose rows it writes, held in the catalog until the transaction ends. On
    PostgreSQL each of them that writes rows leaves a change set (sync.ingest.change_sets)."""
    sink = PostgresSink if connection.vendor == "postgresql" else SqliteSink
    return sink(model, columns, place, file_ids, task_id)


def with_extra_json(frame: pl.DataFrame) -> pl.DataFrame:
    """`extra` stays a struct until written: its JSON text is the bulk of a row, so it is made per chunk."""
    if frame.schema["extra"] == pl.String:
        return frame
    return frame.with_columns(pl.col("extra").struct.json_encode())


def place_of(source) -> dict:
    """The place (platform, shop, granularity) of a catalog file or a change set, in the one order the
    advisory lock's key is built from."""
    return {"platform_code": source.platform_code, "shop_id": source.shop_id, "granularity": source.granularity}


def write_begin(cursor, model: type[FactBase], place: dict, file_ids: list[int]) -> int:
    """In one statement: syncs and rollbacks of one place (platform, shop, granularity) of a fact table
    take turns (an advisory lock held until the transaction ends); the catalog rows of `file_ids` are
    held FOR KEY SHARE (what a foreign key's check takes for each row), so no file is deleted under its
    rows. Returns an id drawn from the table's sequence after the lock: every row inserted under it gets
    a higher one (change sets rely on it)."""
    lock = ":".join([model._meta.db_table, *map(str, place.values())])
    cursor.execute(
        f"SELECT pg_advisory_xact_lock(hashtextextended(%s, 0)), nextval(pg_get_serial_sequence(%s, 'id')), "
        f"ARRAY(SELECT id FROM {CATALOG} WHERE id = ANY(%s::bigint[]) FOR KEY SHARE)",
        [lock, model._meta.db_table, file_ids])
    _, after_id, held = cursor.fetchone()
    _sources_check(file_ids, held)
    return after_id


def sources_hold(file_ids: list[int]):
    """The embedded default's check that the files a sync writes rows for are still catalogued (SQLite
    locks the whole database for the writing transaction)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {CATALOG} WHERE id IN ({', '.join(['%s'] * len(file_ids))})", file_ids)
        _sources_check(file_ids, [row[0] for row in cursor.fetchall()])


def _sources_check(file_ids: list[int], held: list[int]):
    if missing := sorted(set(file_ids) - set(held)):
        raise FileRejected(f"file {', '.join(map(str, missing))} was removed from the catalog during its sync",
                           code="file_removed")


class _Sink:
    def __init__(self, model: type[FactBase], columns: list[str], place: dict, file_ids: list[int],
                 task_id: int | None):
        quote = connection.ops.quote_name
        self.model = model
        self.place = place  # platform_code, shop_id, granularity of every row
        self.file_id = file_ids[0]  # the file whose rows add() writes
        self.file_ids = file_ids
        self.task_id = task_id
        self.key_names = list(model.natural_key_fields())
        self.names = [*columns, "row_hash"]
        self.table = quote(model._meta.db_table)
        self.columns = [quote(c) for c in self.names]
        self.keys = [quote(k) for k in self.key_names]
        self.staged = self.superseded = self.written = 0
        self.seen_keys: pl.DataFrame | None = None
        self.first_keys: pl.DataFrame | None = None

    def _repeated_keys(self, frame: pl.DataFrame) -> pl.DataFrame | None:
        """Keys of this batch that an earlier batch already wrote (each batch is unique in itself); None for
        the first. Keys are compared by a hash first, so a long file is not re-hashed key by key every batch."""
        # The place (platform, shop, granularity) is the same for every row of a file: not kept per key.
        varying = [k for k in self.key_names if k not in self.place]
        if self.seen_keys is None and self.first_keys is None:
            # Hashed when a second batch comes: a file of one batch (most files) never needs them, nor any
            # polars operation here (columns taken by name: a select costs 50 us on a small frame).
            self.first_keys = frame[varying]
            return None
        if self.first_keys is not None:
            self.seen_keys = self.first_keys.with_columns(_key_hash=pl.struct(varying).hash(seed=1))
            self.first_keys = None
        keys = frame.select(self.key_names).with_columns(_key_hash=pl.struct(varying).hash(seed=1))
        # The earlier keys are probed against this batch's hashes: a hash set of one batch is built, not
        # one of every key so far for each batch (1,000,000 rows spent 1.5 s on that).
        earlier = self.seen_keys.filter(pl.col("_key_hash").is_in(keys["_key_hash"].implode()))
        repeated = keys.join(earlier, on=varying, how="semi") if earlier.height else keys.clear()
        self.seen_keys = pl.concat([self.seen_keys, keys.select(*varying, "_key_hash")], rechunk=False)
        return repeated.drop("_key_hash")

    def _assignments(self, excluded: str) -> str:
        quote = connection.ops.quote_name
        updated = [c for c in self.columns if c not in self.keys] + [quote("synced_at")]
        return ", ".join(f"{c} = {excluded}.{c}" for c in updated)


class PostgresSink(_Sink):
    def __init__(self, model, columns, place, file_ids, task_id):
        super().__init__(model, columns, place, file_ids, task_id)
        self.stage = connection.ops.quote_name(f"stage_{model._meta.db_table}")
        self.synced_at = timezone.now()
        self.existing: pl.DataFrame | None = None
        self.fetched_dates: set = set()
        self.staging = False
        with connection.cursor() as cursor:
            self.after_id = write_begin(cursor, model, place, file_ids)

    def _stage_create(self, cursor):
        """The staging table for changed rows, made when the first one turns up: a file of new rows
        (the usual first sync) never needs it."""
        if not self.staging:
            cursor.execute(f"DROP TABLE IF EXISTS {self.stage}")
            cursor.execute(f"CREATE TEMP TABLE {self.stage} ON COMMIT DROP AS "
                           f"SELECT {', '.join(self.columns)} FROM {self.table} WITH NO DATA")
            self.staging = True

    def add(self, frame: pl.DataFrame):
        if frame.height == 0:
            return
        repeated = self._repeated_keys(frame)
        superseded = 0 if repeated is None else repeated.height
        with connection.cursor() as cursor:
            if superseded:
                self._forget(cursor, repeated)
            new, changed = self._new_and_changed(frame, self._existing(cursor, frame))
            self._copy(cursor, self.table, new.with_columns(synced_at=pl.lit(self.synced_at)),
                       [*self.columns, connection.ops.quote_name("synced_at")], [*self.names, "synced_at"])
            if changed.height:
                self._stage_create(cursor)
                self._copy(cursor, self.stage, changed, self.columns, self.names)
        self.staged += frame.height - superseded
        self.superseded += superseded
        self.written += new.height + changed.height

    def _new_and_changed(self, frame: pl.DataFrame, existing: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
        """The batch's rows whose key the table did not hold before this sync, and those it held with
        another hash. Nothing held for the batch's dates (a first sync of them, the usual daily export):
        every row is new, and no join is made (a join and two filters cost 0.3 ms on a small file)."""
        if existing.height == 0:
            return frame, frame.clear()
        compared = frame.join(existing, on=self.key_names, how="left")
        return (compared.filter(pl.col("_exists").is_null()),
                compared.filter(pl.col("_exists") & (pl.col("_old_hash").ne_missing(pl.col("row_hash")))))

    def add_files(self, frames: list[pl.DataFrame]) -> list[int]:
        """The rows of several files of this place (each with its own `source_file_id`), written as if
        each file were synced after the one before; returns how many rows each file wrote. A row writes
        when its key is new or its hash differs from what the key held before its file (the table's row,
        or an earlier file's: what a key holds after a row is that row's hash, written or not), so a row a
        later file found unchanged keeps its lineage. Files that write one key twice raise WritesOverlap."""
        every = pl.concat([frame.with_columns(pl.lit(i, dtype=pl.UInt32).alias(FILE)) for i, frame in enumerate(frames)])
        with connection.cursor() as cursor:
            compared = every.join(self._existing(cursor, every), on=self.key_names, how="left", maintain_order="left")
            before = pl.coalesce(pl.col("row_hash").shift(1).over(self.key_names), pl.col("_old_hash"))
            compared = compared.with_columns(_writes=before.is_null() | (before != pl.col("row_hash")))
            if compared.filter("_writes").select(self.key_names).is_duplicated().any():
                raise WritesOverlap(f"{len(frames)} files write the same rows")
            final = compared.filter("_writes")
            new, changed = final.filter(pl.col("_exists").is_null()), final.filter(pl.col("_exists"))
            self._copy(cursor, self.table, new.with_columns(synced_at=pl.lit(self.synced_at)),
                       [*self.columns, connection.ops.quote_name("synced_at")], [*self.names, "synced_at"])
            if changed.height:
                self._stage_create(cursor)
                self._copy(cursor, self.stage, changed, self.columns, self.names)
        written = dict(compared.group_by(FILE).agg(pl.col("_writes").sum()).iter_rows())
        self.staged += every.height
        self.written += final.height
        return [written.get(i, 0) for i in range(len(frames))]

    def _existing(self, cursor, frame: pl.DataFrame) -> pl.DataFrame:
        """Keys and hashes the table held before this sync, for this batch's dates. Each date is read
        once: what this sync wrote since is known from the batches themselves."""
        dates = [d for d in frame["business_date"].unique().to_list() if d not in self.fetched_dates]
        if dates:
            place = " AND ".join(f"{connection.ops.quote_name(k)} = %s" for k in self.place)
            cursor.execute(
                f"SELECT {', '.join(self.keys)}, row_hash FROM {self.table} "
                f"WHERE {place} AND business_date = ANY(%s)",
                [*self.place.values(), dates],
            )
            schema = {**{k: frame.schema[k] for k in self.key_names}, "_old_hash": pl.Int64}
            fetched = pl.DataFrame(cursor.fetchall(), schema=schema, orient="row").with_columns(_exists=pl.lit(True))
            self.existing = fetched if self.existing is None else pl.concat([self.existing, fetched])
            self.fetched_dates.update(dates)
        return self.existing

    def _copy(self, cursor, table: str, frame: pl.DataFrame, columns: list[str], names: list[str]):
        if frame.height == 0:
            return
        with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT csv, NULL '{NULL}')") as copy:
            for chunk in frame.select(names).iter_slices(COPY_CHUNK_ROWS):
                copy.write(with_extra_json(chunk).write_csv(**_CSV_OPTIONS))

    def _forget(self, cursor, keys: pl.DataFrame):
        """Drop what an earlier batch of this sync wrote for keys that a later row replaces."""
        condition = " AND ".join(f"{k} = %s" for k in self.keys)
        rows = keys.with_columns(pl.col(pl.Date).cast(pl.String)).rows()
        source = connection.ops.quote_name("source_file_id")
        unstaged = 0
        if self.staging:
            cursor.executemany(f"DELETE FROM {self.stage} WHERE {condition}", rows)
            unstaged = cursor.rowcount
        cursor.executemany(f"DELETE FROM {self.table} WHERE {condition} AND {source} = %s AND synced_at = %s",
                           [(*row, self.file_id, self.synced_at) for row in rows])
        self.written -= unstaged + cursor.rowcount

    def finish(self) -> UpsertOutcome:
        outcome = UpsertOutcome(staged=self.staged, superseded=self.superseded, written=self.written)
        with connection.cursor() as cursor:
            if self.written:
                change_sets_record(cursor, self)
            if not self.staging:
                return outcome
            cols = ", ".join(self.columns)
            cursor.execute(
                f"INSERT INTO {self.table} ({cols}, synced_at) SELECT {cols}, %s FROM {self.stage} "
                f"ON CONFLICT ({', '.join(self.keys)}) DO UPDATE SET {self._assignments('EXCLUDED')}",
                [self.synced_at],
            )
            cursor.execute(f"DROP TABLE {self.stage}")
        return outcome


class SqliteSink(_Sink):
    def __init__(self, model, columns, place, file_ids, task_id):
        super().__init__(model, columns, place, file_ids, task_id)
        sources_hold(file_ids)
        self.frames: list[pl.DataFrame] = []

    def add(self, frame: pl.DataFrame):
        if frame.height:
            self.frames.append(with_extra_json(frame))

    def finish(self) -> UpsertOutcome:
        if not self.frames:
            return UpsertOutcome(staged=0, superseded=0, written=0)
        every = pl.concat(self.frames)
        frame = every.unique(subset=self.key_names, keep="last", maintain_order=True).with_columns(
            pl.col(pl.Datetime).dt.strftime("%Y-%m-%d %H:%M:%S.%f"),
            pl.col(pl.Date).cast(pl.String),
            synced_at=pl.lit(timezone.now().strftime("%Y-%m-%d %H:%M:%S.%f")),
        )
        placeholders = ", ".join(["%s"] * (len(self.columns) + 1))
        sql = (f"INSERT INTO {self.table} ({', '.join(self.columns)}, synced_at) VALUES ({placeholders}) "
               f"ON CONFLICT ({', '.join(self.keys)}) DO UPDATE SET {self._assignments('excluded')} "
               f"WHERE {self.table}.row_hash IS NOT excluded.row_hash")
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
