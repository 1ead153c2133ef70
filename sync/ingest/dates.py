"""Dates and times as the market that wrote them means them, vectorised.

Three kinds of cell reach a date column: a workbook's typed date (`cells.DATE_MARK`, exact but for
Excel's float noise, rounded to the second), an Excel serial day number, and text. Text is split once
by a pattern into its numbers; a year written first reads one way, while `03/04/2026` reads as
3 April (day first) or 4 March (month first). Which order applies comes from the template (its
`date_order`, or its formats when they name one order only), else from the locale when nothing in the
column contradicts it (a `25/12/2026` shows the day comes first), else from the column's evidence;
a value that still reads two ways is quarantined. A Thai file's Buddhist-era years (2569) are moved
to the Gregorian calendar. Template formats with a month name or an offset are read as written.
"""

import re
from dataclasses import dataclass, replace

import polars as pl

from sync.ingest.cells import DATE_MARK, NUMBER_MARK

DMY, MDY, YMD = "DMY", "MDY", "YMD"
# Excel serial day numbers count from 1899-12-30; this range is 1954-2173.
EXCEL_SERIAL_MIN, EXCEL_SERIAL_MAX = 20_000, 100_000
EXCEL_EPOCH = pl.datetime(1899, 12, 30)
BUDDHIST_ERA_OFFSET = 543
BUDDHIST_ERA_FROM = 2400  # a Thai year above this is Buddhist era: 2569 BE is 2026 CE
_TEXT_DATE = (r"^(?P<a>[0-9]{1,4})[-/.](?P<b>[0-9]{1,2})[-/.](?P<c>[0-9]{1,4})"
              r"(?:[ T]+(?P<h>[0-9]{1,2}):(?P<mi>[0-9]{2})(?::(?P<s>[0-9]{2})(?:[.,](?P<f>[0-9]{1,6}))?)?"
              r"\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?)?$")
_TYPED_FORMATS = ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"]


@dataclass(frozen=True)
class OrderDecision:
    """Day or month first for the values of one time style of a column (24-hour or with AM/PM)."""

    order: str | None  # DMY or MDY for values that read both ways; None: they are quarantined
    strict: bool  # the template declared it: a value only the other order reads is refused
    why: str
    contradicted: bool = False  # the column holds values only one order reads and values only the other reads


@dataclass(frozen=True)
class DateDecision:
    """How one column's text dates are read, fixed for the file and reported in its result."""

    plain: OrderDecision  # values with no AM/PM
    ampm: OrderDecision  # values with AM/PM: TikTok writes `11/02/2026 01:05:00 PM` month first
    buddhist_era: bool

    @property
    def why(self) -> str:
        return self.plain.why if self.plain.why == self.ampm.why else f"{self.plain.why}; with AM/PM: {self.ampm.why}"

    def unworded(self) -> "DateDecision":
        """The reading without its wording: files whose decisions agree on it read their values alike."""
        return replace(self, plain=replace(self.plain, why=""), ampm=replace(self.ampm, why=""))

    def as_dict(self) -> dict:
        return {"date_order": self.plain.order or "", "date_order_with_am_pm": self.ampm.order or "",
                "declared": self.plain.strict, "why": self.why, "buddhist_era": self.buddhist_era}


def format_order(fmt: str) -> str | None:
    """DMY or MDY for a format whose day and month are both numbers and come before the year."""
    positions = {d: fmt.find(d) for d in ("%d", "%m", "%Y")}
    if -1 in positions.values() or positions["%Y"] < min(positions["%d"], positions["%m"]):
        return None
    return DMY if positions["%d"] < positions["%m"] else MDY


def template_orders(date_order: str, formats: list[str]) -> tuple[str | None, str | None]:
    """(order of values without AM/PM, order of values with AM/PM) the template declares: its
    `date_order`, else the one order its formats of that time style name."""
    if date_order in (DMY, MDY):
        return date_order, date_order
    declared = []
    for ampm in (False, True):
        orders = {format_order(f) for f in formats if ("%p" in f) == ampm} - {None}
        declared.append(orders.pop() if len(orders) == 1 else None)
    return declared[0], declared[1]


def named_formats(formats: list[str]) -> list[str]:
    """Template formats the numeric pattern does not cover (month names, offsets, other shapes)."""
    covered = re.compile(r"^%[YdmHIMS]([-/. T:]+%[YdmHIMS])*(%\.f)?( ?%p)?$")
    return [f for f in formats if not covered.match(f)]


def date_shape(text: pl.Expr) -> pl.Expr:
    """The numbers of a written date and time: one pattern match per value, materialised by the caller
    before `date_readings` looks into it."""
    return text.str.strip_chars().str.extract_groups(_TEXT_DATE)


def _reading(parts: pl.Expr, order: str, buddhist_era: bool) -> pl.Expr:
    """The naive datetime the text means under one order; null where that order cannot read it."""
    a, b, c = (parts.struct.field(n) for n in "abc")
    year, month, day = {YMD: (a, b, c), DMY: (c, b, a), MDY: (c, a, b)}[order]
    year_ok = year.str.len_chars() == 4
    other_year = (c if order == YMD else a).str.len_chars() <= 2
    hour = parts.struct.field("h").fill_null("0").cast(pl.Int32)
    ampm = parts.struct.field("ampm").str.to_lowercase().str.slice(0, 1)
    hour = (pl.when(ampm.is_null()).then(hour)
            .when((hour < 1) | (hour > 12)).then(None)
            .when(ampm == "p").then(hour % 12 + 12).otherwise(hour % 12))
    year_number = year.cast(pl.Int32)
    if buddhist_era:
        year_number = pl.when(year_number > BUDDHIST_ERA_FROM).then(year_number - BUDDHIST_ERA_OFFSET) \
            .otherwise(year_number)
    else:
        # 2569 outside a Thai file is a Buddhist-era year nothing says to convert: refused, not stored as 2569.
        year_number = pl.when(year_number <= BUDDHIST_ERA_FROM).then(year_number)
    text = pl.format("{}-{}-{} {}:{}:{}.{}", year_number, month.str.zfill(2), day.str.zfill(2),
                     hour.cast(pl.String).str.zfill(2), parts.struct.field("mi").fill_null("00"),
                     parts.struct.field("s").fill_null("00"),
                     parts.struct.field("f").fill_null("0").str.pad_end(6, "0"))
    parsed = text.str.strptime(pl.Datetime("us"), "%Y-%m-%d %H:%M:%S%.f", strict=False)
    return pl.when(year_ok & other_year).then(parsed)


def date_readings(shape: pl.Expr, text: pl.Expr, buddhist_era: bool) -> pl.Expr:
    """Everything a column's decision and its values need, read from a materialised `date_shape`: the
    value read year first, day first and month first, whether AM/PM was written, a typed cell's value."""
    return pl.struct(
        text=text, typed=typed_datetime(text), ampm=shape.struct.field("ampm").is_not_null(),
        **{order.lower(): _reading(shape, order, buddhist_era) for order in (YMD, DMY, MDY)},
    )


def _fields(readings: pl.Expr) -> tuple[pl.Expr, pl.Expr, pl.Expr, pl.Expr]:
    return tuple(readings.struct.field(name) for name in ("ymd", "dmy", "mdy", "ampm"))


def date_evidence(readings: pl.Expr, ampm: bool) -> pl.Expr:
    """An aggregation, one struct per column (or per file of a group): text values of one time style
    only day-first reads, only month-first reads, an example of each."""
    _, dmy, mdy, has_ampm = _fields(readings)
    style = has_ampm if ampm else ~has_ampm
    only_dmy, only_mdy = style & dmy.is_not_null() & mdy.is_null(), style & mdy.is_not_null() & dmy.is_null()
    text = readings.struct.field("text")
    return pl.struct(dmy=only_dmy.sum(), mdy=only_mdy.sum(), dmy_example=text.filter(only_dmy).first(),
                     mdy_example=text.filter(only_mdy).first())


def date_decide(readings: pl.Series, *, declared: tuple[str | None, str | None], locale: str | None,
                locale_order: str | None, buddhist_era: bool) -> DateDecision:
    column = pl.col("r")
    evidence = readings.to_frame("r").select(date_evidence(column, False), date_evidence(column, True).alias("a")).row(0)
    return date_decision(evidence, declared=declared, locale=locale, locale_order=locale_order,
                         buddhist_era=buddhist_era)


def date_decision(evidence: tuple[dict | None, dict | None], *, declared: tuple[str | None, str | None],
                  locale: str | None, locale_order: str | None, buddhist_era: bool,
                  declared_by: str = "template") -> DateDecision:
    """date_decide from a column's `date_evidence` without and with AM/PM (None: no values)."""
    plain, ampm = (_order_decide(evidence[i] or {}, declared[i], locale, locale_order, declared_by) for i in (0, 1))
    return DateDecision(plain, ampm, buddhist_era)


def _order_decide(evidence: dict, declared, locale, locale_order, declared_by: str) -> OrderDecision:
    if declared:
        return OrderDecision(declared, True, declared_by)
    only_dmy, only_mdy = evidence.get("dmy") or 0, evidence.get("mdy") or 0
    dmy_example, mdy_example = evidence.get("dmy_example") or "", evidence.get("mdy_example") or ""
    if locale_order in (DMY, MDY):
        seen, example = (only_mdy, mdy_example) if locale_order == DMY else (only_dmy, dmy_example)
        if not seen:
            return OrderDecision(locale_order, False, f"locale {locale}")
        return OrderDecision(None, False, f"locale {locale} contradicted by values such as '{example}'", True)
    if only_dmy and not only_mdy:
        return OrderDecision(DMY, False, f"column values such as '{dmy_example}'")
    if only_mdy and not only_dmy:
        return OrderDecision(MDY, False, f"column values such as '{mdy_example}'")
    if only_dmy and only_mdy:
        return OrderDecision(None, False, f"the column holds '{dmy_example}' and '{mdy_example}'", True)
    return OrderDecision(None, False, "no date order declared and no evidence in the column")


def typed_datetime(text: pl.Expr) -> pl.Expr:
    """A workbook's typed date cell, or an Excel serial day number, to the nearest second."""
    body = text.str.slice(1)
    typed = pl.coalesce([body.str.strptime(pl.Datetime("us"), f, strict=False) for f in _TYPED_FORMATS])
    days = pl.when(text.str.starts_with(NUMBER_MARK)).then(body).otherwise(text).cast(pl.Float64, strict=False)
    seconds = (days * 86_400).round(0).cast(pl.Int64, strict=False)
    serial = pl.when(days.is_between(EXCEL_SERIAL_MIN, EXCEL_SERIAL_MAX)).then(
        EXCEL_EPOCH + pl.duration(seconds=seconds))
    return pl.when(text.str.starts_with(DATE_MARK)).then(typed.dt.round("1s")).otherwise(serial)


def _ordered(dmy: pl.Expr, mdy: pl.Expr, decision: OrderDecision) -> pl.Expr:
    if decision.strict:
        return dmy if decision.order == DMY else mdy
    agreed = pl.when(dmy.is_null()).then(mdy).when(mdy.is_null() | (dmy == mdy)).then(dmy)
    if decision.order:
        return agreed.otherwise(dmy if decision.order == DMY else mdy)
    return agreed


def parse_local_datetime(readings: pl.Expr, decision: DateDecision, formats: list[str]) -> pl.Expr:
    """The naive local datetime the cell means; null where it cannot be read for sure.
    `formats` are the template's formats the numeric pattern does not cover (without offsets)."""
    ymd, dmy, mdy, ampm = _fields(readings)
    ordered = pl.when(ampm).then(_ordered(dmy, mdy, decision.ampm)).otherwise(_ordered(dmy, mdy, decision.plain))
    text = readings.struct.field("text")
    named = [text.str.strptime(pl.Datetime("us"), f, strict=False) for f in formats]
    return pl.coalesce([readings.struct.field("typed"), ymd, ordered, *named])


def parse_offset_datetime(text: pl.Expr, formats: list[str]) -> pl.Expr | None:
    """UTC for values written with an offset in one of the template's `%z` formats."""
    attempts = [text.str.strptime(pl.Datetime("us", "UTC"), f, strict=False).dt.replace_time_zone(None)
                for f in formats if "%z" in f]
    return pl.coalesce(attempts) if attempts else None


def ambiguous_date(why: str) -> str:
    """The cause of a date both orders read, with why the column could not tell."""
    return f"ambiguous date: day or month first ({why})"


def _order_problem(dmy: pl.Expr, mdy: pl.Expr, decision: OrderDecision) -> pl.Expr:
    if decision.strict:
        other = mdy if decision.order == DMY else dmy
        return pl.when(other.is_not_null()).then(
            pl.lit(f"not a date in the template's order {decision.order}")).otherwise(pl.lit("not a date"))
    return pl.when(dmy.is_not_null() & mdy.is_not_null()).then(
        pl.lit(ambiguous_date(decision.why))).otherwise(pl.lit("not a date"))


def date_problem(readings: pl.Expr, decision: DateDecision) -> pl.Expr:
    """Why a value that gave no date was refused (evaluated for refused values only)."""
    _, dmy, mdy, ampm = _fields(readings)
    return pl.when(ampm).then(_order_problem(dmy, mdy, decision.ampm)).otherwise(
        _order_problem(dmy, mdy, decision.plain))


def local_to_utc(expr: pl.Expr, tz: str) -> pl.Expr:
    return (expr.dt.replace_time_zone(tz, ambiguous="null", non_existent="null")
            .dt.convert_time_zone("UTC").dt.replace_time_zone(None))
