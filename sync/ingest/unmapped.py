"""The cells no template field maps: stored once per batch, in a columnar form keyed by source row.

A wide export (57 columns, about 40 of them unmapped) paid a jsonb document per fact row for columns
nobody reads: emptying `extra` took the sync of 100,000 such rows from 8.37 to 5.30 s and its peak RSS
from 752 to 575 MB (issue 16). Parquet keeps each column's repeated texts in a few dictionary pages, so
the whole of a batch's unmapped cells costs one compressed write; a fact row's lineage (source file,
source row) still leads to every one of them (`unmapped_cells_of`). A template that wants some columns
queryable per row lists them in `options.keep_in_extra`; they stay in the row's `extra` JSON.
"""

import io

import polars as pl

from sync.ingest.cells import MARKS
from sync.models import UnmappedCells

ROW = "_row"
# The hash of a row's unmapped cells: part of its row hash, so a changed unmapped cell rewrites the row
# (and moves its lineage to the file that changed it), as a changed `extra` did.
HASH_COLUMN = "unmapped_hash"


def unmapped_texts(frame: pl.DataFrame, columns: dict[str, int]) -> pl.DataFrame:
    """`_row` and each unmapped column's text (as Excel shows it), named by its source header."""
    return frame.select(ROW, *(pl.col(f"c{i}").str.strip_chars_start(MARKS).alias(name)
                               for name, i in columns.items()))


def unmapped_hash(texts: pl.DataFrame) -> pl.Series:
    return texts.drop(ROW).select(pl.struct(pl.all()).hash(seed=2).reinterpret(signed=True)).to_series()


def unmapped_store(*, file_id: int, texts: pl.DataFrame):
    """One stored batch, inside the caller's transaction."""
    if texts.height == 0 or texts.width == 1:
        return
    buffer = io.BytesIO()
    texts.write_parquet(buffer, compression="zstd", statistics=False)
    UnmappedCells.objects.create(file_id=file_id, first_row=texts[ROW].min(), last_row=texts[ROW].max(),
                                 columns=texts.columns[1:], cells=buffer.getvalue())


def unmapped_forget(*, file_id: int):
    """A file's stored cells, removed before its sync writes them anew."""
    UnmappedCells.objects.filter(file_id=file_id).delete()


def unmapped_cells_of(*, file_id: int, source_row: int) -> dict[str, str | None]:
    """The unmapped cells of one source row of a file (what a fact row's lineage points at)."""
    stored = (UnmappedCells.objects.filter(file_id=file_id, first_row__lte=source_row, last_row__gte=source_row)
              .order_by("-pk").first())
    if stored is None:
        return {}
    rows = pl.read_parquet(io.BytesIO(stored.cells)).filter(pl.col(ROW) == source_row)
    return rows.drop(ROW).row(0, named=True) if rows.height else {}
