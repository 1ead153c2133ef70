"""Numbers as the market that wrote them means them, vectorised.

A value is read under a number convention (decimal and group marks, group sizes) that comes from the
file's locale (Babel's CLDR data, `locales.number_convention`). The two conventions the company's
markets use, `1,234.50` and `1.234,50`, are both tried on every value so a column can be judged on
evidence: a value only one of them reads (`1.234.567`, `1.234,50`, `12.5`) shows how the column is
written, and a value both read differently (`1.234`) is ambiguous. An ambiguous value takes the
locale's reading only when nothing in its column contradicts that locale; otherwise, and without a
locale, it is quarantined. A locale the file, its template or its shop declares is a contract: a
value it cannot read is quarantined. Workbook cells Excel typed as numbers (`cells.NUMBER_MARK`)
are the number they hold, whatever the locale.
"""

import re
from dataclasses import dataclass, replace

import polars as pl

from sync.ingest.cells import NUMBER_MARK
from sync.ingest.locales import NumberConvention, number_convention

DOT_DECIMAL = NumberConvention(".", ",")
COMMA_DECIMAL = NumberConvention(",", ".")
# Currency signs and codes written before or after an amount in the markets' exports (after NFKC).
_CURRENCY = (r"Rp\.?|IDR|₫|VNĐ|VND|đ|฿|THB|บาท|RM|MYR|₱|PHP|NT\$|TWD|CN¥|RMB|CNY|元|JP¥|¥|JPY|円"
             r"|R\$|BRL|US\$|S\$|SGD|USD|\$|€|EUR|£|GBP|KRW|₩")
_NEGATIVE_PREFIX = r"[-+▲△]"  # Japanese accounts mark a negative amount with a triangle
_SHAPE = re.compile(
    rf"(?i)^(?P<sign>{_NEGATIVE_PREFIX})?\s*(?P<open>\()?\s*(?P<sign2>[-+])?\s*(?:{_CURRENCY})?\s*(?P<open2>\()?"
    rf"\s*(?P<sign3>[-+])?\s*"
    rf"(?P<core>[0-9](?:[0-9.,' ’]*[0-9])?|[.,][0-9]+)\s*(?:{_CURRENCY})?\s*(?P<percent>%)?\s*(?P<close>\))?"
    rf"\s*(?P<sign4>-)?$"
).pattern


@dataclass(frozen=True)
class NumberDecision:
    """How one column's text numbers are read, fixed for the file and reported in its result."""

    locale: str | None
    strict: bool  # the locale was declared (file, template, shop), not taken from the shop's region
    convention: NumberConvention | None  # reads the ambiguous values (None: they are quarantined)
    contradicted: bool  # the column holds values only the other convention reads
    why: str
    whole: bool = False  # a count: a reading with a fraction is no reading (`1,234` is then 1234 anywhere)

    def unworded(self) -> "NumberDecision":
        """The reading without its wording: files whose decisions agree on it read their values alike."""
        return replace(self, why="")

    def as_dict(self) -> dict:
        convention = self.convention
        return {"locale": self.locale or "", "declared": self.strict, "why": self.why,
                "decimal_mark": convention.decimal if convention else "",
                "group_mark": convention.group if convention else "",
                "ambiguous_values": "quarantined" if self.contradicted or not convention else "read by the locale"}


def core_pattern(convention: NumberConvention) -> str:
    decimal, group = re.escape(convention.decimal), re.escape(convention.group)
    primary, secondary = convention.grouping
    grouped = rf"[0-9]{{1,{secondary}}}(?:{group}[0-9]{{{secondary}}})*{group}[0-9]{{{primary}}}"
    return rf"^(?:(?:{grouped}|[0-9]+)(?:{decimal}[0-9]+)?|{decimal}[0-9]+)$"


def number_shape(text: pl.Expr) -> pl.Expr:
    """The parts of a written number (signs, brackets, digits with their marks, a percent sign): one
    pattern match per value, materialised by the caller before `number_readings` looks into it."""
    normal = text.str.normalize("NFKC").str.replace_all("\u2212", "-", literal=True)
    return normal.str.strip_chars().str.extract_groups(_SHAPE)


def number_readings(shape: pl.Expr, text: pl.Expr) -> pl.Expr:
    """Everything a column's decision and its values need, read from a materialised `number_shape`:
    the value under each of the two conventions, the sign, the percent sign, a typed cell's number."""
    core = shape.struct.field("core")
    signs = [shape.struct.field(name) for name in ("sign", "sign2", "sign3", "sign4")]
    # Excel's currency formats bracket a negative outside (`(₱1.00)`) or inside the sign (`₱(1.00)`).
    opens = [shape.struct.field(name).is_not_null() for name in ("open", "open2")]
    opened, closed = opens[0] | opens[1], shape.struct.field("close").is_not_null()
    count = pl.sum_horizontal([*(s.is_not_null().cast(pl.Int8) for s in signs), *(o.cast(pl.Int8) for o in opens)])
    minus = pl.any_horizontal([s.is_in(["-", "▲", "△"]).fill_null(False) for s in signs])
    return pl.struct(
        text=text, core=core, typed=typed_number(text), negative=minus | opened,
        signs_ok=(count <= 1) & (opened == closed), percent=shape.struct.field("percent").is_not_null(),
        dot=_canonical(core, DOT_DECIMAL), comma=_canonical(core, COMMA_DECIMAL),
    )


def _canonical(core: pl.Expr, convention: NumberConvention) -> pl.Expr:
    """The digits with '.' for a decimal mark, when `convention` reads them; else null."""
    plain = core.str.replace_all(convention.group, "", literal=True)
    plain = plain.str.replace_all(convention.decimal, ".", literal=True)
    return pl.when(core.str.contains(core_pattern(convention))).then(plain)


def _whole(canonical: pl.Expr) -> pl.Expr:
    """A count's reading: one with a fraction other than zeros is no reading."""
    return pl.when(~canonical.str.contains(r"\.[0-9]*[1-9]")).then(canonical)


def _other(convention: NumberConvention) -> NumberConvention | None:
    return {DOT_DECIMAL: COMMA_DECIMAL, COMMA_DECIMAL: DOT_DECIMAL}.get(convention)


def _both(readings: pl.Expr, whole: bool) -> tuple[pl.Expr, pl.Expr]:
    dot, comma = readings.struct.field("dot"), readings.struct.field("comma")
    return (_whole(dot), _whole(comma)) if whole else (dot, comma)


def _own(readings: pl.Expr, convention: NumberConvention, whole: bool) -> pl.Expr:
    if convention == DOT_DECIMAL or convention == COMMA_DECIMAL:
        value = readings.struct.field("dot" if convention == DOT_DECIMAL else "comma")
    else:
        value = _canonical(readings.struct.field("core"), convention)
    return _whole(value) if whole else value


def number_evidence(readings: pl.Expr, whole: bool = False) -> pl.Expr:
    """An aggregation, one struct per column (or per file of a group): how many text values only
    `1,234.50` reads and how many only `1.234,50` reads, with an example of each."""
    dot, comma = _both(readings, whole)
    only_dot, only_comma = dot.is_not_null() & comma.is_null(), comma.is_not_null() & dot.is_null()
    text = readings.struct.field("text")
    return pl.struct(dot=only_dot.sum(), comma=only_comma.sum(), dot_example=text.filter(only_dot).first(),
                     comma_example=text.filter(only_comma).first())


def number_decide(readings: pl.Series, *, locale: str | None, declared: bool, whole: bool = False) -> NumberDecision:
    """The column's reading: the locale's when nothing contradicts it, else what its values show."""
    evidence = readings.to_frame("r").select(number_evidence(pl.col("r"), whole)).item()
    return number_decision(evidence, locale=locale, declared=declared, whole=whole)


def number_decision(evidence: dict | None, *, locale: str | None, declared: bool, whole: bool) -> NumberDecision:
    """number_decide from a column's `number_evidence` (None: the column has no values)."""
    return replace(_number_decision(evidence or {}, locale, declared), whole=whole)


def _number_decision(evidence: dict, locale: str | None, declared: bool) -> NumberDecision:
    only_dot, only_comma = evidence.get("dot") or 0, evidence.get("comma") or 0
    dot_example, comma_example = evidence.get("dot_example") or "", evidence.get("comma_example") or ""
    convention = number_convention(locale) if locale else None
    if convention is not None:
        other = _other(convention)
        if other is None:  # marks such as spaces or apostrophes: the locale's own rules only
            return NumberDecision(locale, True, convention, False, f"locale {locale}")
        seen, example = (only_comma, comma_example) if other == COMMA_DECIMAL else (only_dot, dot_example)
        if not seen:
            return NumberDecision(locale, declared, convention, False, f"locale {locale}")
        return NumberDecision(locale, declared, convention, True,
                              f"locale {locale} contradicted by values such as '{example}'")
    if only_dot and not only_comma:
        return NumberDecision(None, False, DOT_DECIMAL, False, f"no locale; column values such as '{dot_example}'")
    if only_comma and not only_dot:
        return NumberDecision(None, False, COMMA_DECIMAL, False,
                              f"no locale; column values such as '{comma_example}'")
    if only_dot and only_comma:
        return NumberDecision(None, False, None, True,
                              f"no locale; the column holds '{dot_example}' and '{comma_example}'")
    return NumberDecision(None, False, None, False, "no locale and no evidence in the column")


def _ambiguous(dot: pl.Expr, comma: pl.Expr) -> pl.Expr:
    return dot.is_not_null() & comma.is_not_null() & (dot != comma)


def parse_number_text(readings: pl.Expr, decision: NumberDecision) -> tuple[pl.Expr, pl.Expr]:
    """(the value as canonical text such as '-1234.5', a percent sign was written); the value is null
    where it cannot be read for sure. Typed workbook cells are the caller's."""
    dot, comma = _both(readings, decision.whole)
    trusted = decision.convention is not None and not decision.contradicted
    if decision.strict:
        value = _own(readings, decision.convention, decision.whole)
        if _other(decision.convention) is not None and not trusted:
            value = pl.when(~_ambiguous(dot, comma)).then(value)
    else:
        value = pl.when(dot.is_null()).then(comma).when(comma.is_null() | (dot == comma)).then(dot)
        if trusted:
            value = value.otherwise(_own(readings, decision.convention, decision.whole))
    negative = readings.struct.field("negative")
    signed = pl.when(negative).then(pl.lit("-") + value).otherwise(value)
    return pl.when(readings.struct.field("signs_ok")).then(signed), readings.struct.field("percent")


def ambiguous_number(why: str) -> str:
    """The cause of a value two conventions read differently, with why the column could not tell."""
    return f"ambiguous number ({why})"


def number_problem(readings: pl.Expr, decision: NumberDecision) -> pl.Expr:
    """Why a text value that gave no number was refused (evaluated for refused values only)."""
    dot, comma = _both(readings, decision.whole)
    unreadable = readings.struct.field("core").is_null() | ~readings.struct.field("signs_ok")
    problem = pl.when(unreadable).then(pl.lit("not a number"))
    problem = problem.when(_ambiguous(dot, comma)).then(pl.lit(ambiguous_number(decision.why)))
    if decision.strict:
        convention = decision.convention
        return problem.otherwise(pl.lit(
            f"not a number in {decision.locale} ('{convention.group}' groups, '{convention.decimal}' decimal)"))
    return problem.otherwise(pl.lit("not a number"))


def typed_number(text: pl.Expr) -> pl.Expr:
    """A workbook's typed number cell as Float64; null for any other text."""
    return pl.when(text.str.starts_with(NUMBER_MARK)).then(text.str.slice(1).cast(pl.Float64, strict=False))
