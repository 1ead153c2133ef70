"""One field's cleaned text to its typed value, with the cause of every refusal.

Each converter returns the value (null where the text cannot be read for sure) and the cause text
read only for refused values. Amounts stay decimal text until cast to the column's own precision, so
a 17-digit amount is never squeezed through a float; a value the column cannot hold is refused
instead of failing the file's transaction."""

from dataclasses import dataclass

import polars as pl
from django.db import models

from sync.ingest import dates, numbers
from sync.ingest.cells import DATE_MARK, EXACT_INTEGER_LIMIT, MARKS, NUMBER_MARK

TEXT, INT, DECIMAL, PERCENT, DATE, DATETIME = "text", "int", "decimal", "percent", "date", "datetime"
_TRAILING_ZEROS = r"\.0*$"
# Relative error of a few float64 operations (2**-52 per rounding step): a text float this close to a
# value the column holds is that value (a tool wrote 0.993 * 3 as 2.9789999999999996).
FLOAT_NOISE = 4 * 2.0**-52
NOISE_MARGIN_DIGITS = 3
# Excel keeps 15 significant digits of a number.
EXCEL_DIGITS = 15


@dataclass(frozen=True)
class FieldShape:
    kind: str
    digits: int = 18  # decimal: max_digits, places
    places: int = 4
    int_limit: int = 2**63

    @classmethod
    def of(cls, model_field: models.Field, kind: str) -> "FieldShape":
        if isinstance(model_field, models.DecimalField):
            return cls(kind, model_field.max_digits, model_field.decimal_places)
        if isinstance(model_field, models.BigIntegerField):
            return cls(kind, int_limit=2**63)
        if isinstance(model_field, models.SmallIntegerField):
            return cls(kind, int_limit=2**15)
        return cls(kind, int_limit=2**31)


@dataclass
class Converted:
    value: pl.Expr
    cause: pl.Expr | None = None  # why a present text gave no value


def typed(text: pl.Expr) -> pl.Expr:
    return text.str.starts_with(NUMBER_MARK)


def plain(text: pl.Expr) -> pl.Expr:
    """The text as Excel shows it: a typed cell's mark removed."""
    return text.str.strip_chars_start(MARKS)


def text_value(text: pl.Expr) -> Converted:
    """Text as written. A long number Excel stored as a number has already lost its last digits."""
    lossy = (typed(text) & (numbers.typed_number(text).abs() >= EXACT_INTEGER_LIMIT)).fill_null(False)
    value = pl.when(lossy).then(None).otherwise(plain(text).fill_null(""))
    return Converted(value, pl.lit("long number stored by Excel as a number: its last digits may be lost"))


def int_value(text: pl.Expr, readings: pl.Expr, decision: numbers.NumberDecision, shape: FieldShape) -> Converted:
    canonical, percent = numbers.parse_number_text(readings, decision)
    whole_text = canonical.str.replace(_TRAILING_ZEROS, "")
    from_text = pl.when(~percent & ~whole_text.str.contains(r"\.")).then(
        whole_text.cast(pl.Int64, strict=False))
    number = readings.struct.field("typed")
    from_typed = pl.when((number == number.round(0)) & (number.abs() < shape.int_limit)).then(number).cast(pl.Int64)
    value = pl.when(typed(text)).then(from_typed).otherwise(from_text)
    if shape.int_limit < 2**63:
        value = pl.when(value.abs() < shape.int_limit).then(value)
    cause = (pl.when(typed(text) & (number != number.round(0))).then(pl.lit("not a whole number"))
             .when(typed(text)).then(pl.lit(f"out of range (limit {shape.int_limit - 1})"))
             .when(canonical.is_null()).then(numbers.number_problem(readings, decision))
             .when(percent).then(pl.lit("a percentage in a column of whole numbers"))
             .when(whole_text.str.contains(r"\.")).then(pl.lit("not a whole number"))
             .otherwise(pl.lit(f"out of range (limit {shape.int_limit - 1})")))
    return Converted(value, cause)


def _excess_places(canonical: pl.Expr, places: int) -> pl.Expr:
    """A digit other than zero written past `places` after the point."""
    return canonical.str.contains(rf"\.[0-9]{{{places}}}[0-9]*[1-9]")


def _without_float_noise(canonical: pl.Expr, places: int) -> pl.Expr:
    """'2.9789999999999996' (0.993 * 3 as a tool writes the float) as '2.979': the text is within the
    float's own rounding error of a value with `places` decimals; null for any other text."""
    number = canonical.cast(pl.Float64, strict=False)
    near = number.round(places)
    noise = near.abs() * FLOAT_NOISE
    # Only where the float's error is far below the column's last place: past ~1e8 (4 places) a written
    # fifth place and float noise are the same size, and '82519449054053.00898' must stay refused.
    return pl.when(((number - near).abs() <= noise) & (noise < 10.0 ** -(places + NOISE_MARGIN_DIGITS))).then(
        near.cast(pl.String))


def _typed_digits(text: pl.Expr) -> pl.Expr:
    """A typed cell's number to Excel's 15 significant digits: the float's digits past them are noise
    ('770933406.149000049' is 770933406.149), while '12.12345' keeps every place it was given."""
    return text.str.slice(1).cast(pl.Float64, strict=False).round_sig_figs(EXCEL_DIGITS).cast(pl.String)


def _held_exactly(written: pl.Expr, places: int) -> pl.Expr:
    """`written` when the column's `places` hold it, or the value its float noise rounds from; else null."""
    return pl.when(~_excess_places(written, places)).then(written).otherwise(_without_float_noise(written, places))


def decimal_value(text: pl.Expr, readings: pl.Expr, decision: numbers.NumberDecision,
                  shape: FieldShape) -> Converted:
    canonical, percent = numbers.parse_number_text(readings, decision)
    dtype = pl.Decimal(shape.digits, shape.places)
    # polars rounds a text cast to a Decimal's scale ('12.12345' -> 12.1234): a written place the column
    # cannot hold is refused, never rounded away, unless it is float noise; a typed cell's digits too.
    written = pl.when(typed(text)).then(_typed_digits(text)).when(~percent).then(canonical)
    value = _held_exactly(written, shape.places).cast(dtype, strict=False)
    cause = (pl.when(~typed(text) & canonical.is_null()).then(numbers.number_problem(readings, decision))
             .when(~typed(text) & percent).then(pl.lit("a percentage in a column of amounts"))
             .otherwise(pl.lit(f"out of range ({shape.digits} digits, {shape.places} after the point)")))
    return Converted(value, cause)


def percent_value(text: pl.Expr, readings: pl.Expr, decision: numbers.NumberDecision,
                  shape: FieldShape) -> Converted:
    """'12.5%' is the ratio 0.125; a bare number (a typed percentage cell holds the ratio) is the ratio."""
    canonical, percent = numbers.parse_number_text(readings, decision)
    # '12.34567%' is the ratio 0.1234567: rounded to the column's 6 places it would be another value.
    excess = pl.when(percent).then(_excess_places(canonical, max(shape.places - 2, 0))).otherwise(
        _excess_places(canonical, shape.places))
    typed_ratio = pl.when(typed(text)).then(_held_exactly(_typed_digits(text), shape.places))
    ratio = pl.when(typed(text)).then(typed_ratio.cast(pl.Float64)).when(~excess).then(
        canonical.cast(pl.Float64, strict=False) / pl.when(percent).then(100.0).otherwise(1.0))
    limit = 10.0 ** (shape.digits - shape.places)
    value = pl.when(ratio.abs() < limit).then(ratio.round(shape.places)).cast(pl.Decimal(shape.digits, shape.places))
    cause = (pl.when(~typed(text) & canonical.is_null()).then(numbers.number_problem(readings, decision))
             .otherwise(pl.lit(f"out of range ({shape.digits} digits, {shape.places} after the point)")))
    return Converted(value, cause)


def datetime_value(text: pl.Expr, readings: pl.Expr, decision: dates.DateDecision, formats: list[str], tz: str,
                   kind: str) -> Converted:
    """DATETIME: naive UTC of the shop's local time; DATE: the shop's calendar date."""
    named = dates.named_formats([f for f in formats if "%z" not in f])
    local = dates.parse_local_datetime(readings, decision, named)
    offset = dates.parse_offset_datetime(text, formats)
    if kind == DATETIME:
        value = dates.local_to_utc(local, tz)
        if offset is not None:
            value = pl.coalesce([offset, value])
        skipped = local.is_not_null() & value.is_null()
    else:
        value = local.dt.date()
        if offset is not None:
            value = pl.coalesce([offset.dt.replace_time_zone("UTC").dt.convert_time_zone(tz).dt.date(), value])
        skipped = pl.lit(False)
    cause = (pl.when(skipped).then(pl.lit(f"local time skipped or repeated by a daylight-saving change in {tz}"))
             .when(text.str.starts_with(DATE_MARK)).then(pl.lit("not a date"))
             .otherwise(dates.date_problem(readings, decision)))
    return Converted(value, cause)
