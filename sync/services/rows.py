"""Turning a batch of source rows into fact rows, quarantined rows with reasons, and skipped rows."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

import polars as pl
from django.db import models

from sync.models import FactBase, FieldTemplate
from sync.services import normalize as norm
from sync.services.headers import HeaderMatch

TEXT, INT, DECIMAL, PERCENT, DATE, DATETIME = "text", "int", "decimal", "percent", "date", "datetime"
SKIP_TOTALS = "totals row"
SKIP_DESCRIPTION = "column description row"
SKIP_DUPLICATE = "duplicate key in file (the last row wins)"
# Text columns at the start of a row where a totals label is written.
TOTALS_LABEL_COLUMNS = 3
DECIMAL_PLACES = 4


def model_field_type(model_field: models.Field) -> str:
    if isinstance(model_field, models.DateTimeField):
        return DATETIME
    if isinstance(model_field, models.DateField):
        return DATE
    if isinstance(model_field, models.DecimalField):
        return DECIMAL
    if isinstance(model_field, models.IntegerField):
        return INT
    return TEXT


@dataclass
class RowPlan:
    """What to do with each column of one file, fixed before the first batch."""

    model: type[FactBase]
    template: FieldTemplate
    header: HeaderMatch
    timezone: str
    platform_code: str
    shop_id: str
    granularity: str
    period_start: date | None
    file_id: int
    types: dict[str, str] = field(default_factory=dict)  # fact column -> type
    max_lengths: dict[str, int] = field(default_factory=dict)
    extra_columns: dict[str, int] = field(default_factory=dict)  # name in `extra` -> source column

    @classmethod
    def build(cls, *, model, template, header, **place) -> "RowPlan":
        plan = cls(model=model, template=template, header=header, **place)
        skip = {"id", "extra", "source_file", "source_row", "synced_at", *FactBase.PLACE_FIELDS}
        for model_field in model._meta.concrete_fields:
            name = model_field.name
            if name in skip and not (name == "business_date" and name in template.mapping):
                continue
            plan.types[name] = template.types.get(name) or model_field_type(model_field)
            if isinstance(model_field, models.CharField):
                plan.max_lengths[name] = model_field.max_length
        # `extra` keeps every named column no fact column takes, helper fields such as parent_sku included.
        into_columns = {i for f, i in header.field_columns.items() if f in plan.types}
        names = _unique_names(header.headers)
        plan.extra_columns = {names[i]: i for i in range(len(names))
                              if i not in into_columns and not header.is_unnamed(i)}
        return plan

    @property
    def db_columns(self) -> list[str]:
        business = [f for f in self.types if f != "business_date"]
        return [*FactBase.PLACE_FIELDS, *business, "extra", "source_file_id", "source_row"]


@dataclass
class PreparedBatch:
    good: pl.DataFrame
    quarantined: list[tuple[int, dict, list[str]]]
    skipped: Counter
    read: int


def _unique_names(headers: list[str]) -> list[str]:
    seen: Counter = Counter()
    names = []
    for name in headers:
        seen[name] += 1
        names.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return names


def prepare_batch(frame: pl.DataFrame, plan: RowPlan, *, is_first_batch: bool) -> PreparedBatch:
    raw = _raw_values(frame, plan)
    typed, reasons = _typed_values(raw, plan)
    no_reasons = pl.lit([], dtype=pl.List(pl.String))
    work = frame.select("_row").with_columns(
        **typed, _reasons=pl.concat_list(reasons).list.drop_nulls() if reasons else no_reasons)
    skip = _skip_reasons(frame, raw, work, plan, is_first_batch)
    is_skipped = skip.is_not_null()
    is_bad = (work["_reasons"].list.len() > 0) & ~is_skipped
    is_good = ~(is_skipped | is_bad)
    good = work.filter(is_good).with_columns(
        platform_code=pl.lit(plan.platform_code), shop_id=pl.lit(plan.shop_id),
        granularity=pl.lit(plan.granularity), extra=_extra_json(frame.filter(is_good), plan),
        source_file_id=pl.lit(plan.file_id), source_row=pl.col("_row"),
    ).select(plan.db_columns)
    return PreparedBatch(
        good=good,
        quarantined=_quarantined(frame.filter(is_bad), work.filter(is_bad), plan),
        skipped=Counter(dict(skip.drop_nulls().value_counts().rows())),
        read=frame.height,
    )


def _raw_values(frame: pl.DataFrame, plan: RowPlan) -> dict[str, pl.Series]:
    """Cleaned text per field, with fallbacks and defaults applied."""
    template = plan.template
    columns = plan.header.field_columns
    raw = {f: frame.select(norm.clean_text(pl.col(f"c{i}")).alias(f)).to_series() for f, i in columns.items()}
    for name, alternatives in template.options.get("fallbacks", {}).items():
        chain = [raw[f] for f in [name, *alternatives] if f in raw]
        if chain:
            raw[name] = frame.select(pl.coalesce([pl.lit(s) for s in chain]).alias(name)).to_series()
    for name, value in template.options.get("defaults", {}).items():
        if name not in raw:
            raw[name] = pl.Series(name, [str(value)] * frame.height, dtype=pl.String)
        else:
            raw[name] = raw[name].fill_null(str(value))
    return raw


def _typed_values(raw: dict[str, pl.Series], plan: RowPlan):
    typed, reasons = {}, []
    template = plan.template
    required = set(template.required_fields)
    formats = norm.date_formats_for(template.date_formats)
    for name, kind in plan.types.items():
        text = raw.get(name)
        if text is None:
            if name in required:
                reasons.append(pl.lit(f"{name}: required column is missing"))
            typed[name] = pl.lit("") if kind == TEXT else pl.lit(None)
            continue
        value, problem = _convert(text, kind, formats, plan)
        typed[name] = value
        reasons.append(problem)
        if name in required:
            reasons.append(pl.when(pl.lit(text).is_null()).then(pl.lit(f"{name}: required value is missing")))
        if name in plan.max_lengths:
            limit = plan.max_lengths[name]
            reasons.append(pl.when(pl.lit(text).str.len_chars() > limit)
                           .then(pl.lit(f"{name}: longer than {limit} characters")))
    if template.date_from_period:
        typed["business_date"] = pl.lit(plan.period_start, dtype=pl.Date)
    return typed, reasons


def _convert(text: pl.Series, kind: str, formats: list[str], plan: RowPlan):
    """The typed value of one column and an expression giving the reason when it does not convert."""
    source = pl.lit(text)
    name = text.name
    if kind == TEXT:
        return source.fill_null(""), pl.lit(None, dtype=pl.String)
    if kind in (DATE, DATETIME):
        counts = norm.format_counts(text, formats)
        utc = norm.parse_datetime(source, formats, counts, plan.timezone)
        value = norm.local_date(utc, plan.timezone) if kind == DATE else utc
        problem = pl.when(source.is_not_null() & value.is_null()).then(
            pl.format("{}: not a date: '{}'", pl.lit(name), source))
        return value, problem
    number = norm.parse_percent(source) if kind == PERCENT else norm.parse_number(source)
    problem = pl.when(source.is_not_null() & number.is_null()).then(
        pl.format("{}: not a number: '{}'", pl.lit(name), source))
    if kind == INT:
        whole = number.round(0)
        problem = pl.coalesce([
            problem,
            pl.when(number.is_not_null() & (whole != number)).then(
                pl.format("{}: not a whole number: '{}'", pl.lit(name), source)),
            pl.when(number < 0).then(pl.format("{}: negative value: '{}'", pl.lit(name), source)),
        ])
        return whole.cast(pl.Int64, strict=False), problem
    return number.round(DECIMAL_PLACES), problem


def _skip_reasons(frame: pl.DataFrame, raw: dict[str, pl.Series], work: pl.DataFrame, plan: RowPlan,
                  is_first_batch: bool) -> pl.Series:
    label_columns = [f"c{i}" for i in range(min(TOTALS_LABEL_COLUMNS, frame.width - 1))]
    is_total = frame.select(pl.any_horizontal([
        norm.clean_text(pl.col(c)).str.to_lowercase().is_in(norm.TOTAL_MARKERS).fill_null(False)
        for c in label_columns
    ])).to_series()
    skip = pl.when(pl.lit(is_total)).then(pl.lit(SKIP_TOTALS))
    if is_first_batch:
        skip = skip.when(_is_description_row(raw, work, plan)).then(pl.lit(SKIP_DESCRIPTION))
    return work.select(skip.otherwise(pl.lit(None, dtype=pl.String)).alias("_skip")).to_series()


def _is_description_row(raw: dict[str, pl.Series], work: pl.DataFrame, plan: RowPlan) -> pl.Expr:
    """The row right below the header (TikTok's xlsx) that describes each column in words: at least
    two typed cells are filled, and none of them converts."""
    typed = [name for name, kind in plan.types.items() if kind != TEXT and name in plan.header.field_columns]
    if len(typed) < 2:
        return pl.lit(False)
    present = pl.sum_horizontal([pl.lit(raw[n]).is_not_null().cast(pl.Int32) for n in typed])
    converted = pl.sum_horizontal([pl.col(n).is_not_null().cast(pl.Int32) for n in typed])
    return (pl.col("_row") == work["_row"].min()) & (present >= 2) & (converted == 0)


def _extra_json(frame: pl.DataFrame, plan: RowPlan) -> pl.Series:
    if not plan.extra_columns:
        return pl.Series("extra", ["{}"] * frame.height, dtype=pl.String)
    struct = pl.struct([pl.col(f"c{i}").alias(name) for name, i in plan.extra_columns.items()])
    return frame.select(struct.struct.json_encode().alias("extra")).to_series()


def _quarantined(rows: pl.DataFrame, bad: pl.DataFrame, plan: RowPlan) -> list[tuple[int, dict, list[str]]]:
    if bad.height == 0:
        return []
    names = _unique_names(plan.header.headers)
    width = min(len(names), rows.width - 1)
    raw = rows.select(pl.struct([pl.col(f"c{i}").alias(names[i]) for i in range(width)]).alias("raw"))["raw"]
    return list(zip(bad["_row"].to_list(), raw.to_list(), bad["_reasons"].to_list(), strict=True))
