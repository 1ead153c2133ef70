"""A row is blank, and left out, exactly when every one of its cells is empty or whitespace (the reader
decides it in one pass over the row's joined cells, not one per column)."""

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from sync.ingest.reading import _with_row_numbers

cells = st.one_of(st.none(), st.sampled_from(["", " ", "\t", "\u3000", "\u00a0", "\x1c", " x ", "0", "-", "\u200b"]),
                  st.text(max_size=4))


@given(st.integers(1, 6).flatmap(lambda width: st.lists(st.lists(cells, min_size=width, max_size=width),
                                                        max_size=12)), st.integers(1, 100))
def test_rows_left_out_are_exactly_those_whose_every_cell_is_blank(rows, first_row):
    width = len(rows[0]) if rows else 1
    frame = pl.DataFrame(rows or None, schema={f"c{i}": pl.String for i in range(width)}, orient="row")

    kept = _with_row_numbers(frame, first_row)

    # as a check per cell, with polars' own idea of whitespace, reads it
    blank = frame.select(pl.all_horizontal(pl.all().str.strip_chars().fill_null("") == "")).to_series()
    assert kept["_row"].to_list() == [first_row + i for i, is_blank in enumerate(blank) if not is_blank]
