"""The cells no template field maps: stored once per batch, in a columnar form keyed by source row.

A wide export (57 columns, about 40 of them unmapped) paid a jsonb document per fact row for columns
nobody reads: emptying `extra` took the sync of 100,000 such rows from 8.37 to 5.30 s and its peak RSS
from 752 to 575 MB (issue 16). Parquet keeps each column's repeated texts in a few dictionary pages, so
the whole of a batch's unmapped cells costs one compressed write; a fact row's lineage (source file,
source row, row hash) still leads to every one of them (`unmapped_cells_of`). A template that wants some columns
queryable per row lists them in `options.keep_in_extra`; they stay in the row's `extra` JSON.
"""

import io

import polars as pl
from django.db.models import BooleanField, ExpressionWrapper, Q

from sync.ingest.cells import MARKS
from sync.models import FactBase, UnmappedCells

ROW = "_row"
FILE = "_file"  # which file of a group prepared together (rows.prepare_files) a row is from
ROW_HASH = "_row_hash"
# The hash of a row's unmapped cells: part of its row hash, so a changed unmapped cell rewrites the row
# (and moves its lineage to the file that changed it), as a changed `extra` did.
HASH_COLUMN = "unmapped_hash"


def unmapped_texts(frame: pl.DataFrame, columns: dict[str, int]) -> pl.DataFrame:
    """`_file`, `_row` and each unmapped column's text (as Excel shows it), named by its source header."""
    return frame.select(FILE, ROW, *(pl.col(f"c{i}").str.strip_chars_start(MARKS).alias(name)
                               for name, i in columns.items()))


def unmapped_hash(texts: pl.DataFrame) -> pl.Series:
    return texts.drop(FILE, ROW).select(pl.struct(pl.all()).hash(seed=2).reinterpret(signed=True)).to_series()


def with_row_hashes(texts: pl.DataFrame, written: pl.DataFrame) -> pl.DataFrame:
    """The cells of the rows `written` (fact rows with source_row and row_hash), each with its row's hash:
    a fact row's lineage finds its own cells by it, even after a re-sync moved or replaced its row."""
    hashes = written.select(FILE, pl.col("source_row").alias(ROW), pl.col("row_hash").alias(ROW_HASH))
    return texts.join(hashes, on=[FILE, ROW], how="inner")


def unmapped_store(*, file_id: int, texts: pl.DataFrame):
    """One file's stored batch (unmapped_texts with_row_hashes, without `_file`), inside the caller's
    transaction."""
    if (cells := unmapped_batch(file_id=file_id, texts=texts)) is not None:
        cells.save(force_insert=True)


def unmapped_batch(*, file_id: int, texts: pl.DataFrame) -> UnmappedCells | None:
    """The unsaved row storing one file's batch; None for a batch without rows."""
    if texts.height == 0:
        return None
    buffer = io.BytesIO()
    texts.write_parquet(buffer, compression="zstd", statistics=False)
    columns = [c for c in texts.columns if c not in (ROW, ROW_HASH)]
    return UnmappedCells(file_id=file_id, first_row=texts[ROW].min(), last_row=texts[ROW].max(), columns=columns,
                         cells=buffer.getvalue())


def unmapped_forget(*, file_id: int):
    """A file's stored cells, removed before its sync writes them anew."""
    UnmappedCells.objects.filter(file_id=file_id).delete()


def unmapped_cells_of(fact: FactBase) -> dict[str, str | None]:
    """The unmapped cells of the row its source file wrote this fact from (same source row, same row hash):
    looked for in the batch holding that row first, then in the file's other batches (a re-sync that left
    the fact unchanged may have found it on another row). Empty when the file's last sync no longer holds it."""
    source_row = fact.source_row
    holds_row = ExpressionWrapper(Q(first_row__lte=source_row, last_row__gte=source_row), output_field=BooleanField())
    stored = (UnmappedCells.objects.filter(file_id=fact.source_file_id).annotate(holds_row=holds_row)
              .order_by("-holds_row", "first_row"))
    for batch in stored.iterator():
        rows = pl.read_parquet(io.BytesIO(batch.cells)).filter(pl.col(ROW_HASH) == fact.row_hash)
        if rows.height:
            best = rows.sort(pl.col(ROW) != source_row).row(0, named=True)
            return {name: best[name] for name in batch.columns}
    return {}
