"""Turning a batch of source rows into fact rows, quarantined rows with reasons, and skipped rows."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

import polars as pl
from django.db import models

from sync.errors import FileRejected
from sync.ingest import dates, numbers, unmapped
from sync.ingest import normalize as norm
from sync.ingest.cells import MARKS
from sync.ingest.convert import DATE, DATETIME, DECIMAL, INT, PERCENT, TEXT, FieldShape
from sync.ingest.convert import datetime_value, decimal_value, int_value, percent_value, text_value
from sync.ingest.headers import HeaderMatch
from sync.ingest.locales import date_order
from sync.ingest.unmapped import FILE
from sync.models import FactBase, FieldTemplate

NUMBER_KINDS = (INT, DECIMAL, PERCENT)
DATE_KINDS = (DATE, DATETIME)
SKIP_TOTALS = "totals row"
SKIP_DESCRIPTION = "column description row"
SKIP_DUPLICATE = "duplicate key in file (the last row wins)"
# Text columns at the start of a row where a totals label is written.
TOTALS_LABEL_COLUMNS = 3


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


def field_kind(template: FieldTemplate, model_field: models.Field) -> str:
    """How a fact field's text is read: the template's type for it, else its column's."""
    return template.types.get(model_field.name) or model_field_type(model_field)


def number_fields(model: type[FactBase], template: FieldTemplate) -> frozenset[str]:
    """Mapped fields read as counts or amounts (not percentages: a typed percent cell holds a ratio)."""
    return frozenset(f.name for f in model._meta.concrete_fields
                     if f.name in template.mapping and field_kind(template, f) in (INT, DECIMAL))


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
    locale: str | None = None  # the file's number locale (locales.file_locale)
    locale_declared: bool = False  # declared by the file, template or shop, not taken from the region
    types: dict[str, str] = field(default_factory=dict)  # fact column -> type
    shapes: dict[str, FieldShape] = field(default_factory=dict)
    max_lengths: dict[str, int] = field(default_factory=dict)
    extra_columns: dict[str, int] = field(default_factory=dict)  # name in `extra` -> source column
    unmapped_columns: dict[str, int] = field(default_factory=dict)  # name in the unmapped cells -> source column
    # Per field, how its text is read: made on the first batch from its values, kept for the file.
    decisions: dict[str, numbers.NumberDecision | dates.DateDecision] = field(default_factory=dict)
    # Per date field, the orders (without, with AM/PM) of the file a correction corrects: a few corrected
    # rows rarely show the evidence the whole file did, and they were written alike.
    inherited_orders: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)

    @classmethod
    def build(cls, *, model, template, header, **place) -> "RowPlan":
        plan = cls(model=model, template=template, header=header, **place)
        skip = {"id", *FactBase.SYNC_FIELDS, *FactBase.PLACE_FIELDS}
        for model_field in model._meta.concrete_fields:
            name = model_field.name
            if name in skip and not (name == "business_date" and name in template.mapping):
                continue
            plan.types[name] = field_kind(template, model_field)
            plan.shapes[name] = FieldShape.of(model_field, plan.types[name])
            if isinstance(model_field, models.CharField):
                plan.max_lengths[name] = model_field.max_length
        # Every named column no fact column takes (helper fields such as parent_sku included) is kept:
        # in the row's `extra` when the template lists it there, else in the file's unmapped cells.
        into_columns = {i for f, i in header.field_columns.items() if f in plan.types}
        names = _unique_names(header.headers)
        kept = set((template.options or {}).get("keep_in_extra", []))
        for i, name in enumerate(names):
            if i not in into_columns and i not in header.ignored and not header.is_unnamed(i):
                (plan.extra_columns if name in kept else plan.unmapped_columns)[name] = i
        return plan

    def layout(self) -> tuple:
        """What files must share to be prepared together (rows.prepare_files): everything but their ids,
        shops, periods and decisions. A shop's timezone and locale, which its values are read by, are
        shared."""
        header = self.header
        return (self.model, self.template.pk, tuple(header.headers), tuple(sorted(header.field_columns.items())),
                self.timezone, self.platform_code, self.granularity, self.locale, self.locale_declared)

    def decisions_report(self, quarantine_reasons: dict[str, int]) -> dict[str, dict]:
        """Per mapped column: how its values were read, and how many were quarantined for which cause."""
        report = {}
        for name, column in self.header.field_columns.items():
            if name not in self.types:
                continue
            decision = self.decisions.get(name)
            report[name] = {"column": self.header.headers[column], "type": self.types[name],
                            **(decision.as_dict() if decision else {}), "quarantined": {}}
        for kind, count in quarantine_reasons.items():
            name, _, cause = kind.partition(": ")
            if name in report:
                report[name]["quarantined"][cause] = count
        return report

    @property
    def source_columns(self) -> list[str]:
        """The source columns' names, in order, as a quarantined row's `raw` keys them."""
        return _unique_names(self.header.headers)

    @property
    def db_columns(self) -> list[str]:
        business = [f for f in self.types if f != "business_date"]  # business_date is a place field
        return [*FactBase.PLACE_FIELDS, *business, "extra", "source_file_id", "source_row"]

    @property
    def hashed_columns(self) -> list[str]:
        """What a row's hash covers: its values, `extra` and the hash of its unmapped cells."""
        values = [c for c in self.db_columns if c not in self.model.natural_key_fields()
                  and c not in ("source_file_id", "source_row")]
        return [*values, unmapped.HASH_COLUMN] if self.unmapped_columns else values


@dataclass
class PreparedBatch:
    good: pl.DataFrame  # db_columns and row_hash, with `extra` still a struct (encoded per chunk by the sink)
    unmapped: pl.DataFrame | None  # the written rows' unmapped cells and row hashes (unmapped.unmapped_texts)
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
    """One batch of one file's rows (prepare_files with one file)."""
    return prepare_files(frame, [plan], is_first_batch=is_first_batch)[0]


def prepare_files(frame: pl.DataFrame, plans: list[RowPlan], *, is_first_batch: bool = True) -> list[PreparedBatch]:
    """The rows of one or more files read alike (one template and header layout, one platform and
    granularity, shops of one timezone and locale; `_file` indexes `plans`), prepared together: a small
    file paid polars' fixed cost per operation for a handful of rows (issue 16). Every expression runs in
    one polars pass; fields that read the same source column share its parse (polars eliminates the
    common subexpressions). Each file's columns are decided on its own values; files whose decisions read
    alike share the pass. Reason texts are built for bad rows only, with their own file's decisions."""
    if FILE not in frame.columns:
        frame = frame.with_columns(pl.lit(0, dtype=pl.UInt32).alias(FILE))
    plan = plans[0]
    texts = _field_texts(plan)
    cleaned = frame.select("_row", FILE, *_cleaned_sources(plan), _is_total(frame).alias("_total"))
    cleaned, readings = _with_readings(cleaned, texts, plan)
    _decide(cleaned, texts, readings, plans)
    prepared: dict[int, PreparedBatch] = {}
    for indices in _read_alike(plans):
        part, rows = cleaned, frame
        if len(indices) < len(plans):
            part, rows = cleaned.filter(pl.col(FILE).is_in(indices)), frame.filter(pl.col(FILE).is_in(indices))
        prepared |= _prepared(rows, part, texts, readings, plans, indices, is_first_batch)
    return [prepared[i] for i in range(len(plans))]


def _read_alike(plans: list[RowPlan]) -> list[list[int]]:
    """The files' indices, grouped by their decisions without the wording."""
    groups: dict[tuple, list[int]] = {}
    for index, plan in enumerate(plans):
        key = tuple(sorted((name, d.unworded()) for name, d in plan.decisions.items()))
        groups.setdefault(key, []).append(index)
    return list(groups.values())


def _prepared(frame: pl.DataFrame, cleaned: pl.DataFrame, texts: dict[str, pl.Expr], readings: dict[str, str],
              plans: list[RowPlan], indices: list[int], is_first_batch: bool) -> dict[int, PreparedBatch]:
    plan = plans[indices[0]]
    values, checks = _typed(texts, readings, plan, plans)
    work = cleaned.with_columns(*values)
    failed = pl.any_horizontal([condition.fill_null(False) for condition, _ in checks]) if checks else pl.lit(False)
    work = work.with_columns(_failed=failed, _skip=_skip_reason(texts, plan, is_first_batch, len(plans) > 1))
    skip = work["_skip"]
    is_bad = work["_failed"] & skip.is_null()
    is_good = skip.is_null() & ~is_bad
    good_rows = frame.filter(is_good)
    cells = unmapped.unmapped_texts(good_rows, plan.unmapped_columns) if plan.unmapped_columns else None
    good = work.filter(is_good).with_columns(
        platform_code=pl.lit(plan.platform_code), shop_id=_per_file([p.shop_id for p in plans], pl.String),
        granularity=pl.lit(plan.granularity), extra=_extra_struct(good_rows, plan),
        source_file_id=_per_file([p.file_id for p in plans], pl.Int64), source_row=pl.col("_row"),
    ).select([pl.col(_value(c)).alias(c) if c in plan.types or c == "business_date" else pl.col(c)
              for c in plan.db_columns] + [FILE])
    if cells is not None:
        good = good.with_columns(unmapped.unmapped_hash(cells).alias(unmapped.HASH_COLUMN))
    unique = good.unique(subset=[*plan.model.natural_key_fields(), FILE], keep="last", maintain_order=True)
    unique = unique.with_columns(row_hash=pl.struct(plan.hashed_columns).hash(seed=0).reinterpret(signed=True))
    if cells is not None:
        cells = unmapped.with_row_hashes(cells, unique)
    bad = work.filter(is_bad)
    quarantined = _quarantined_by_file(frame.filter(is_bad), bad, (plan, checks), texts, readings, plans) if bad.height else {}
    skipped = _skipped_by_file(work.filter(skip.is_not_null()), good, unique)
    read = dict(frame.group_by(FILE).len().iter_rows())
    goods, unmapped_cells = _by_file(unique, indices), _by_file(cells, indices)
    return {i: PreparedBatch(good=goods[i], unmapped=unmapped_cells[i], quarantined=quarantined.get(i, []),
                             skipped=skipped.get(i, Counter()), read=read.get(i, 0))
            for i in indices}


def _by_file(frame: pl.DataFrame | None, indices: list[int]) -> dict[int, pl.DataFrame | None]:
    if frame is None or len(indices) == 1:
        return dict.fromkeys(indices, None if frame is None else frame.drop(FILE))
    parts = {key[0]: part for key, part in frame.partition_by(FILE, as_dict=True, include_key=False).items()}
    empty = frame.clear().drop(FILE)
    return {i: parts.get(i, empty) for i in indices}


def _skipped_by_file(skipped: pl.DataFrame, good: pl.DataFrame, unique: pl.DataFrame) -> dict[int, Counter]:
    counts: dict[int, Counter] = {}
    for index, reason, count in skipped.group_by(FILE, "_skip").len().iter_rows():
        counts.setdefault(index, Counter())[reason] += count
    if unique.height < good.height:
        written = dict(unique.group_by(FILE).len().iter_rows())
        for index, count in good.group_by(FILE).len().iter_rows():
            if count > written.get(index, 0):
                counts.setdefault(index, Counter())[SKIP_DUPLICATE] += count - written.get(index, 0)
    return counts


def _quarantined_by_file(rows: pl.DataFrame, bad: pl.DataFrame, built: tuple[RowPlan, list["Check"]], texts,
                         readings, plans: list[RowPlan]) -> dict[int, list[tuple[int, dict, list[str]]]]:
    """Each file's bad rows with their reasons, worded by the file's own decisions (`built`: the checks
    and the plan they were built for). Files read alike differ only in why a column's values were read
    as they were: their reasons are made in one pass and reworded per file where that can be told."""
    plan, checks = built
    if bad[FILE].n_unique() == 1:
        index = bad[FILE][0]
        return {index: _quarantined(rows, bad, _own_checks(built, texts, readings, plans, index), plans[index])}
    made: dict[int, list] = {}
    for entry, index in zip(_quarantined(rows, bad, checks, plan), bad[FILE].to_list(), strict=True):
        made.setdefault(index, []).append(entry)
    quarantined = {}
    for index, entries in made.items():
        rewording = _rewording(plan, plans[index])
        if rewording is None:
            own = bad[FILE] == index
            quarantined[index] = _quarantined(rows.filter(own), bad.filter(own),
                                              _own_checks(built, texts, readings, plans, index), plans[index])
        else:
            quarantined[index] = [(row, raw, [_reworded(reason, rewording) for reason in why])
                                  for row, raw, why in entries]
    return quarantined


def _rewording(built: RowPlan, own: RowPlan) -> dict[str, list[tuple[str, str]]] | None:
    """Per field, the ambiguity causes worded by `built`'s decisions and by `own`'s; None when a reason
    could not be told to be one or the other (a date column's two orders worded alike in one, not the
    other)."""
    rewording = {}
    for name, first in built.decisions.items():
        mine = own.decisions[name]
        if isinstance(first, numbers.NumberDecision):
            pairs = {(numbers.ambiguous_number(first.why), numbers.ambiguous_number(mine.why))}
        else:
            pairs = {(dates.ambiguous_date(a.why), dates.ambiguous_date(b.why))
                     for a, b in ((first.plain, mine.plain), (first.ampm, mine.ampm))}
        pairs = {(a, b) for a, b in pairs if a != b}
        if len({a for a, _ in pairs}) < len(pairs):
            return None
        if pairs:
            rewording[name] = sorted(pairs)
    return rewording


def _reworded(reason: str, rewording: dict[str, list[tuple[str, str]]]) -> str:
    name, _, rest = reason.partition(": ")
    for built, own in rewording.get(name, ()):
        if rest.startswith(built + ": '"):
            return f"{name}: {own}{rest[len(built):]}"
    return reason


def _own_checks(built: tuple[RowPlan, list["Check"]], texts, readings, plans: list[RowPlan], index: int):
    plan, checks = built
    if plans[index].decisions == plan.decisions:
        return checks
    return _typed(texts, readings, plans[index], plans)[1]


def _per_file(values: list, dtype) -> pl.Expr:
    """One value per file of the frame, by its `_file` index."""
    if len(set(values)) == 1:
        return pl.lit(values[0], dtype=dtype)
    return pl.col(FILE).replace_strict(list(range(len(values))), values, return_dtype=dtype)


def _source(index: int) -> str:
    return f"s{index}"


def _value(name: str) -> str:
    return f"v_{name}"


def _cleaned_sources(plan: RowPlan) -> list[pl.Expr]:
    columns = sorted(set(plan.header.field_columns.values()))
    return [norm.clean_text(pl.col(f"c{i}")).alias(_source(i)) for i in columns]


def _field_texts(plan: RowPlan) -> dict[str, pl.Expr]:
    """Cleaned text per field, with fallbacks and defaults applied."""
    options = plan.template.options or {}
    texts = {f: pl.col(_source(i)) for f, i in plan.header.field_columns.items()}
    for name, alternatives in options.get("fallbacks", {}).items():
        chain = [texts[f] for f in [name, *alternatives] if f in texts]
        if chain:
            texts[name] = pl.coalesce(chain)
    for name, value in options.get("defaults", {}).items():
        default = pl.lit(str(value), dtype=pl.String)
        texts[name] = texts[name].fill_null(default) if name in texts else default
    return texts


def _data_width(frame: pl.DataFrame) -> int:
    """The source columns c0..cN (besides `_row` and `_file`)."""
    return sum(1 for name in frame.columns if not name.startswith("_"))


def _is_total(frame: pl.DataFrame) -> pl.Expr:
    labels = [f"c{i}" for i in range(min(TOTALS_LABEL_COLUMNS, _data_width(frame)))]
    return pl.any_horizontal([
        norm.clean_text(pl.col(c)).str.to_lowercase().is_in(norm.TOTAL_MARKERS).fill_null(False) for c in labels
    ])


Check = tuple[pl.Expr, pl.Expr]  # (the row fails, the reason text)


def _with_readings(cleaned: pl.DataFrame, texts: dict[str, pl.Expr], plan: RowPlan):
    """Each distinct number or date text of the batch matched once and kept as a struct column, so the
    decisions, the values and the reasons all look into one materialised reading (polars does not
    share a struct's pattern match between the expressions that take fields of it)."""
    columns: dict[str, str] = {}  # str(text) -> its readings column
    shapes, readings = [], []
    for name, kind in plan.types.items():
        text = texts.get(name)
        if text is None or kind == TEXT or str(text) in columns:
            continue
        column = columns[str(text)] = f"_r{len(columns)}"
        if kind in DATE_KINDS:
            shapes.append(dates.date_shape(text).alias(column))
            readings.append(dates.date_readings(pl.col(column), text, _buddhist_era(plan)).alias(column))
        else:
            shapes.append(numbers.number_shape(text).alias(column))
            readings.append(numbers.number_readings(pl.col(column), text).alias(column))
    if not shapes:
        return cleaned, columns
    return cleaned.with_columns(shapes).with_columns(readings), columns


def _buddhist_era(plan: RowPlan) -> bool:
    return (plan.locale or "").startswith("th")


def _decide(cleaned: pl.DataFrame, texts: dict[str, pl.Expr], readings: dict[str, str], plans: list[RowPlan]):
    """Each file's reading of each number and date column, from its rows of this batch (the evidence of
    every column and file in one aggregation); a later batch may not overturn the first's."""
    plan = plans[0]
    fields = {name: kind for name, kind in plan.types.items() if kind != TEXT and name in texts}
    evidence = []
    for name, kind in fields.items():
        column = pl.col(readings[str(texts[name])])
        if kind in DATE_KINDS:
            evidence += [dates.date_evidence(column, False).alias(f"{name}:plain"),
                         dates.date_evidence(column, True).alias(f"{name}:ampm")]
        else:
            evidence.append(numbers.number_evidence(column, whole=kind == INT).alias(name))
    if not evidence:
        return
    table = cleaned.group_by(FILE).agg(evidence) if len(plans) > 1 else cleaned.select(evidence).with_columns(
        pl.lit(0).alias(FILE))
    found = {row[FILE]: row for row in table.iter_rows(named=True)}
    for index, file_plan in enumerate(plans):
        row = found.get(index, {})
        for name, kind in fields.items():
            _decision_keep(file_plan, name, _decision(file_plan, name, kind, row))


def _decision(plan: RowPlan, name: str, kind: str, evidence: dict):
    if kind in DATE_KINDS:
        template = plan.template
        declared, declared_by = dates.template_orders(template.date_order, template.date_formats), "template"
        if not any(declared) and any(plan.inherited_orders.get(name, ())):
            declared, declared_by = plan.inherited_orders[name], "the corrected file"
        return dates.date_decision(
            (evidence.get(f"{name}:plain"), evidence.get(f"{name}:ampm")), declared=declared, declared_by=declared_by,
            locale_order=date_order(plan.locale), locale=plan.locale, buddhist_era=_buddhist_era(plan))
    return numbers.number_decision(evidence.get(name), locale=plan.locale, declared=plan.locale_declared,
                                   whole=kind == INT)


def _decision_keep(plan: RowPlan, name: str, decision):
    first = plan.decisions.setdefault(name, decision)
    if _overturns(first, decision):
        raise FileRejected(f"column {name}: its values change how they are written within the file "
                           f"(first read by {first.why}; later {decision.why}); no value was stored",
                           code="convention_changes")


def _typed(texts: dict[str, pl.Expr], readings: dict[str, str], plan: RowPlan,
           plans: list[RowPlan]) -> tuple[list[pl.Expr], list[Check]]:
    """The values and checks of `plan`'s decisions (for every file that reads alike); the period's date
    is each file's own (`plans`)."""
    values, checks = [], []
    required = set(plan.template.required_fields)
    for name, kind in plan.types.items():
        text = texts.get(name)
        if text is None:
            if name in required:
                checks.append((pl.lit(True), pl.lit(f"{name}: required column is missing")))
            values.append((pl.lit("") if kind == TEXT else pl.lit(None)).alias(_value(name)))
            continue
        converted = _convert(name, kind, text, readings.get(str(text)), plan)
        values.append(converted.value.alias(_value(name)))
        checks += _checks(name, text, kind, converted.cause, plan)
    if plan.template.date_from_period:
        values.append(_per_file([p.period_start for p in plans], pl.Date).alias(_value("business_date")))
    return values, checks


def _convert(name: str, kind: str, text: pl.Expr, column: str | None, plan: RowPlan):
    if kind == TEXT:
        return text_value(text)
    decision = plan.decisions[name]
    readings = pl.col(column)
    if kind in DATE_KINDS:
        return datetime_value(text, readings, decision, plan.template.date_formats, plan.timezone, kind)
    convert = {INT: int_value, DECIMAL: decimal_value, PERCENT: percent_value}[kind]
    return convert(text, readings, decision, plan.shapes[name])


def _overturns(first, later) -> bool:
    """A later batch shows the first batch's reading of ambiguous values was not safe."""
    if isinstance(first, numbers.NumberDecision):
        trusted = first.convention is not None and not first.contradicted
        return trusted and (later.contradicted or later.convention not in (None, first.convention))
    return any(a.order is not None and not a.strict and (b.contradicted or b.order not in (None, a.order))
               for a, b in ((first.plain, later.plain), (first.ampm, later.ampm)))


def _checks(name: str, text: pl.Expr, kind: str, cause: pl.Expr, plan: RowPlan) -> list[Check]:
    """What makes one field's value invalid, evaluated on the converted frame."""
    value = pl.col(_value(name))
    checks = []
    if name in plan.template.required_fields:
        checks.append((text.is_null(), pl.lit(f"{name}: required value is missing")))
    if name in plan.max_lengths:
        limit = plan.max_lengths[name]
        checks.append((text.str.len_chars() > limit, pl.lit(f"{name}: longer than {limit} characters")))
    checks.append((text.is_not_null() & value.is_null(),
                   pl.format(f"{name}: {{}}: '{{}}'", cause, text.str.strip_chars_start(MARKS))))
    if kind == INT:
        checks.append((value < 0, pl.format(f"{name}: negative value: '{{}}'", text.str.strip_chars_start(MARKS))))
    return checks


def _skip_reason(texts: dict[str, pl.Expr], plan: RowPlan, is_first_batch: bool, grouped: bool) -> pl.Expr:
    skip = pl.when(pl.col("_total")).then(pl.lit(SKIP_TOTALS))
    if is_first_batch:
        skip = skip.when(_is_description_row(texts, plan, grouped)).then(pl.lit(SKIP_DESCRIPTION))
    return skip.otherwise(pl.lit(None, dtype=pl.String))


def _is_description_row(texts: dict[str, pl.Expr], plan: RowPlan, grouped: bool) -> pl.Expr:
    """The row right below the header (TikTok's xlsx) that describes each column in words: at least
    two typed cells are filled, and none of them converts."""
    typed = [n for n, kind in plan.types.items() if kind != TEXT and n in plan.header.field_columns]
    if len(typed) < 2:
        return pl.lit(False)
    present = pl.sum_horizontal([texts[n].is_not_null().cast(pl.Int32) for n in typed])
    converted = pl.sum_horizontal([pl.col(_value(n)).is_not_null().cast(pl.Int32) for n in typed])
    first = pl.col("_row").min().over(FILE) if grouped else pl.col("_row").min()
    return (pl.col("_row") == first) & (present >= 2) & (converted == 0)


def _extra_struct(frame: pl.DataFrame, plan: RowPlan) -> pl.Series:
    if not plan.extra_columns:
        return pl.Series("extra", ["{}"] * frame.height, dtype=pl.String)
    return frame.select(pl.struct([
        pl.col(f"c{i}").str.strip_chars_start(MARKS).alias(n) for n, i in plan.extra_columns.items()
    ])).to_series()


def _quarantined(rows: pl.DataFrame, bad: pl.DataFrame, checks: list[Check],
                 plan: RowPlan) -> list[tuple[int, dict, list[str]]]:
    if bad.height == 0:
        return []
    reasons = bad.select(pl.concat_list([pl.when(c.fill_null(False)).then(m) for c, m in checks]).list.drop_nulls())
    names = _unique_names(plan.header.headers)
    width = min(len(names), _data_width(rows))
    raw = rows.select(pl.struct([pl.col(f"c{i}").str.strip_chars_start(MARKS).alias(names[i])
                                 for i in range(width)]).alias("raw"))["raw"]
    return list(zip(bad["_row"].to_list(), raw.to_list(), reasons.to_series().to_list(), strict=True))
