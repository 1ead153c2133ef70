"""Cleaning export text before it is typed: empty markers and the labels of totals rows."""

import polars as pl

EMPTY_MARKERS = ["", "-", "--", "—", "N/A", "n/a", "null", "NULL", "None"]
TOTAL_MARKERS = ["total", "totals", "grand total", "sum", "合计", "合計", "总计", "總計", "小计", "小計", "tổng"]


def clean_text(expr: pl.Expr) -> pl.Expr:
    text = expr.cast(pl.String).str.strip_chars()
    return pl.when(text.is_in(EMPTY_MARKERS)).then(None).otherwise(text)
