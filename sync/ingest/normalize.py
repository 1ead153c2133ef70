"""Vectorised normalisation of export text: empty markers, numbers with separators and currency,
percentages as text, dates in several formats (day or month first decided by the column)."""

import polars as pl

EMPTY_MARKERS = ["", "-", "--", "—", "N/A", "n/a", "null", "NULL", "None"]
TOTAL_MARKERS = ["total", "totals", "grand total", "sum", "合计", "合計", "总计", "總計", "小计", "小計", "tổng"]
# Dates the workbook itself stores come out of fastexcel in these shapes, whatever the template says.
WORKBOOK_DATE_FORMATS = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]
# Excel serial day numbers count from 1899-12-30; this range is 1954-2173.
EXCEL_SERIAL_MIN, EXCEL_SERIAL_MAX = 20_000, 100_000
EXCEL_EPOCH = pl.datetime(1899, 12, 30)
_NOT_NUMERIC = r"[^0-9.\-]"


def clean_text(expr: pl.Expr) -> pl.Expr:
    text = expr.cast(pl.String).str.strip_chars()
    return pl.when(text.is_in(EMPTY_MARKERS)).then(None).otherwise(text)


def parse_number(text: pl.Expr) -> pl.Expr:
    """'RM1,234.50' -> 1234.5, '(12.00)' -> -12.0, '3.5%' -> 3.5; anything else -> null."""
    negative = text.str.starts_with("(") & text.str.ends_with(")")
    digits = text.str.replace_all(_NOT_NUMERIC, "")
    value = pl.when(digits.str.contains(r"[0-9]")).then(digits).otherwise(None).cast(pl.Float64, strict=False)
    return pl.when(negative).then(-value).otherwise(value)


def parse_percent(text: pl.Expr) -> pl.Expr:
    """'12.5%' -> 0.125; a bare number is taken as the ratio itself."""
    value = parse_number(text)
    return pl.when(text.str.ends_with("%")).then(value / 100).otherwise(value)


def parse_datetime(text: pl.Expr, formats: list[str], counts: dict[str, int], tz: str) -> pl.Expr:
    """Naive UTC datetimes. Formats with an offset are exact; the rest are the shop's local time.
    Formats are tried in the order of how many of the column's values each parses (`counts`), so an
    ambiguous 03/04 follows the rest of its column."""
    # A format that parses none of the column's values cannot help any row: leave it out.
    ordered = sorted((f for f in formats if counts.get(f)), key=lambda f: -counts[f])
    attempts = []
    for fmt in ordered:
        parsed = text.str.strptime(pl.Datetime("us"), fmt, strict=False)
        if "%z" in fmt:
            attempts.append(text.str.strptime(pl.Datetime("us", "UTC"), fmt, strict=False)
                            .dt.replace_time_zone(None))
        else:
            attempts.append(_local_to_utc(parsed, tz))
    attempts.append(_local_to_utc(_excel_serial(text), tz))
    return pl.coalesce(attempts)


def format_counts(column: pl.Series, formats: list[str]) -> dict[str, int]:
    frame = column.to_frame("v")
    exprs = [pl.col("v").str.strptime(pl.Datetime("us"), f, strict=False).is_not_null().sum().alias(f)
             for f in formats]
    return frame.select(exprs).row(0, named=True) if exprs else {}


def date_formats_for(template_formats: list[str]) -> list[str]:
    return list(dict.fromkeys([*template_formats, *WORKBOOK_DATE_FORMATS]))


def _local_to_utc(expr: pl.Expr, tz: str) -> pl.Expr:
    return (expr.dt.replace_time_zone(tz, ambiguous="earliest", non_existent="null")
            .dt.convert_time_zone("UTC").dt.replace_time_zone(None))


def _excel_serial(text: pl.Expr) -> pl.Expr:
    days = text.cast(pl.Float64, strict=False)
    valid = days.is_between(EXCEL_SERIAL_MIN, EXCEL_SERIAL_MAX)
    micros = (days * 86_400_000_000).round(0).cast(pl.Int64, strict=False)
    return pl.when(valid).then(EXCEL_EPOCH + pl.duration(microseconds=micros)).otherwise(None)


def local_date(utc: pl.Expr, tz: str) -> pl.Expr:
    return utc.dt.replace_time_zone("UTC").dt.convert_time_zone(tz).dt.date()
