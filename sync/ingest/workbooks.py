"""A workbook's sheet chosen by its content, read as all-text frames in which every cell Excel typed as
a number or a date carries its mark (cells.NUMBER_MARK / DATE_MARK).

fastexcel gives one dtype per column, and export columns mix numbers and text ("0.00" beside 0), so a
sheet is loaded twice: as text (what each cell shows) and as booleans, which only number and boolean
cells convert to: that second load says, cell by cell, which texts were numbers. Both loads are native
(arrow) work; python-calamine's Python objects, typed cell by cell, took longer on the bench file (6.9 s
against 6.0 s for 100,000 rows of 57 columns), and fastexcel holds the GIL, so the loads cannot overlap."""

import datetime as dt
from dataclasses import dataclass

import fastexcel
import polars as pl
import python_calamine
from django.conf import settings

from sync.errors import FileRejected
from sync.ingest.cells import DATE_MARK, NUMBER_MARK
from sync.ingest.dates import BUDDHIST_ERA_FROM
from sync.ingest.headers import HEADER_SCAN_ROWS, HeaderMatch, detect_header

# How fastexcel writes a number cell (12.0 as "12", never an exponent) or a boolean cell as text.
_NUMBER_CELL_TEXT = r"^(?:-?[0-9]+(?:\.[0-9]+)?|true|false)$"
# Number-cell texts a count or amount column may read otherwise than the typed cell: booleans and 16
# digits or more (a typed cell is held to Excel's 15) always; a decimal point unless the file's declared
# locale writes one (in Indonesian, "1.234" is a thousand and more).
_BOOLEAN_OR_LONG_NUMBER_TEXT = r"^(?:true|false|-?(?:[0-9]\.?){16,})$"
_BOOLEAN_LONG_OR_DECIMAL_TEXT = r"^(?:true|false|-?(?:[0-9]\.?){16,}|-?[0-9]+\.[0-9]+)$"
# How fastexcel writes a date or datetime cell as text (a date cell has a midnight time).
_EXCEL_DATETIME_TEXT = "%Y-%m-%d %H:%M:%S%.f"
_EXCEL_DATETIME_PREFIX = r"^-?[0-9]{4,}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}"
_TYPED_DATE_TEXT = "%Y-%m-%dT%H:%M:%S"
# fastexcel writes Excel's serial 0 as 1899-12-31; serials below 61 (before 1900-03-01, with Excel's
# fictitious 1900-02-29) are time-of-day and duration cells, never an export's dates.
_EXCEL_TIME_BASE = dt.datetime(1899, 12, 31)
_FIRST_REAL_DATE = dt.datetime(1900, 3, 1)


@dataclass(frozen=True)
class NumberColumns:
    """What decides whether a mapped column needs the typed load: the fields read as counts or amounts
    (rows.number_fields), and whether the file's declared locale reads a decimal point as one
    (locales.reads_number_cells_plainly)."""

    fields: frozenset[str] = frozenset()
    decimal_point: bool = False

    def typed_text(self, fields: set[str]) -> str:
        """The pattern of texts that make a column read by `fields` need the typed load."""
        if not fields <= self.fields:
            return _NUMBER_CELL_TEXT
        return _BOOLEAN_OR_LONG_NUMBER_TEXT if self.decimal_point else _BOOLEAN_LONG_OR_DECIMAL_TEXT


@dataclass
class Sheet:
    name: str
    index: int
    visible: bool


@dataclass
class ChosenSheet:
    name: str
    header: HeaderMatch
    frame: pl.DataFrame  # every row of the sheet, typed cells marked; frame row i is sheet row i + 1


def workbook_sheets(path) -> list[Sheet]:
    """Worksheets in the order they are tried: visible ones first, then hidden and very hidden ones."""
    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
        metadata = workbook.sheets_metadata
        workbook.close()
    except python_calamine.CalamineError as exc:
        raise FileRejected(f"workbook cannot be read (truncated or corrupt?): {exc}", code="corrupt") from exc
    sheets = [Sheet(m.name, i, m.visible == python_calamine.SheetVisibleEnum.Visible)
              for i, m in enumerate(metadata) if m.typ == python_calamine.SheetTypeEnum.WorkSheet]
    return sorted(sheets, key=lambda sheet: not sheet.visible)


def choose_sheet(path, *, mapping: dict, required: list[str], header_row: int | None,
                 numbers: NumberColumns = NumberColumns(), only: str | None = None) -> ChosenSheet:
    """The first visible sheet whose header matches the template; a hidden one only when no visible one
    does. `only`: that sheet and no other (one sheet of an error workbook)."""
    reader = _reader(path)
    refusals: list[tuple[str, FileRejected]] = []
    sheets = workbook_sheets(path)
    if only is not None:
        sheets = [sheet for sheet in sheets if sheet.name == only]
        if not sheets:
            raise FileRejected(f"workbook has no sheet {only!r}", code="no_sheet")
    for sheet in sheets:
        text = _load(reader, sheet.index, "string")
        if text.height == 0:
            refusals.append((sheet.name, FileRejected("sheet is empty", code="empty")))
            continue
        _check_memory(text, sheet.name)
        try:
            header = detect_header(text.head(HEADER_SCAN_ROWS).rows(), mapping, required, header_row)
        except FileRejected as exc:
            refusals.append((sheet.name, exc))
            continue
        # Only the columns the template maps are read as typed: the unmapped ones are kept as the text they show.
        mapped = [f"c{i}" for i in sorted(set(header.field_columns.values()))]
        typed = _columns_maybe_typed(text.slice(header.row_index + 1), header, numbers)
        numeric = _load(reader, sheet.index, "boolean", columns=[int(n[1:]) for n in typed]) if typed else None
        return ChosenSheet(sheet.name, header, marked_frame(text, numeric, mapped))
    raise _no_sheet_matches(refusals)


def _no_sheet_matches(refusals: list[tuple[str, FileRejected]]) -> FileRejected:
    if not refusals:
        return FileRejected("workbook has no worksheet", code="empty")
    if len(refusals) == 1:
        name, exc = refusals[0]
        return FileRejected(f"sheet {name!r}: {exc.message}", code=exc.code)
    # The first sheet's reason decides the code: it is the one a person looks at first.
    reasons = "; ".join(f"sheet {name!r}: {exc.message}" for name, exc in refusals)
    return FileRejected(f"no sheet has the template's header ({reasons})", code=refusals[0][1].code)


def _reader(path):
    try:
        return fastexcel.read_excel(path)
    except fastexcel.FastExcelError as exc:
        raise FileRejected(f"workbook cannot be read (truncated or corrupt?): {exc}", code="corrupt") from exc


def _load(reader, index: int, dtype: str, columns: list[int] | None = None) -> pl.DataFrame:
    """The sheet as `dtype` columns named c<index>: every column, or those `columns` name."""
    try:
        # skip_rows=0 keeps leading empty rows, so frame index i is sheet row i + 1.
        sheet = reader.load_sheet(index, header_row=None, skip_rows=0, dtypes=dtype, use_columns=columns)
        frame = sheet.to_polars()
    except fastexcel.FastExcelError as exc:
        raise FileRejected(f"workbook cannot be read (truncated or corrupt?): {exc}", code="corrupt") from exc
    frame.columns = [f"c{i}" for i in (columns if columns is not None else range(frame.width))]
    return frame


def _check_memory(frame: pl.DataFrame, sheet_name: str):
    size = frame.estimated_size()
    if size > settings.ERP_WORKBOOK_MEMORY_BYTES:
        raise FileRejected(
            f"sheet {sheet_name!r} takes {size} bytes in memory, over the limit of "
            f"{settings.ERP_WORKBOOK_MEMORY_BYTES} (ERP_WORKBOOK_MEMORY_BYTES)", code="too_large")


def _columns_maybe_typed(rows: pl.DataFrame, header: HeaderMatch, numbers: NumberColumns) -> list[str]:
    """The mapped columns holding a text fastexcel could have written for a number or boolean cell that
    reads otherwise as text: only they need the second, typed load of the sheet (a column of `Rp 12.345`
    texts does not, nor a column of counts holding plain integers)."""
    fields_of: dict[str, set[str]] = {}
    for name, index in header.field_columns.items():
        fields_of.setdefault(f"c{index}", set()).add(name)
    columns = sorted(fields_of, key=lambda name: int(name[1:]))
    found = rows.select(pl.col(name).str.contains(numbers.typed_text(fields_of[name])).any() for name in columns).row(0)
    return [name for name, maybe in zip(columns, found, strict=True) if maybe]


def marked_frame(text: pl.DataFrame, numeric: pl.DataFrame | None, columns: list[str]) -> pl.DataFrame:
    """`text` with each typed cell of `columns` as cells.typed_cell_text gives it; `numeric` is the same
    sheet's columns that may hold numbers, loaded as booleans (non-null exactly where a cell is a number
    or a boolean); a column it lacks holds none."""
    typed = [name for name in columns if numeric is not None and name in numeric.columns]
    # Only columns holding Excel's rendering of a date cell pay for the date parse (most hold none).
    moments = text.select(pl.col(name).str.contains(_EXCEL_DATETIME_PREFIX).any() for name in columns).row(0)
    return text.with_columns(
        _marked_cell(pl.col(name), numeric[name] if name in typed else None, has_moments).alias(name)
        for name, has_moments in zip(columns, moments, strict=True) if name in typed or has_moments
    )


def _marked_cell(text: pl.Expr, numeric: pl.Series | None, has_moments: bool) -> pl.Expr:
    is_number = pl.lit(numeric.is_not_null()) if numeric is not None else pl.lit(False)
    marked = pl.when(is_number & text.is_in(["true", "false"])).then(text.str.to_uppercase())
    # fastexcel writes a number's shortest exact digits (12.0 as "12"), as typed_cell_text does.
    marked = marked.when(is_number).then(NUMBER_MARK + text)
    if has_moments:
        moment = text.str.strptime(pl.Datetime("ms"), _EXCEL_DATETIME_TEXT, strict=False)
        is_moment = ~is_number & moment.is_not_null()
        is_duration = is_moment & (moment < _FIRST_REAL_DATE)
        # A text cell written exactly as Excel's own rendering of a date reads as that date either way; a
        # Thai Buddhist-era year stays text, for the date parser to move to the Gregorian calendar.
        is_date = is_moment & ~is_duration & (moment.dt.year() < BUDDHIST_ERA_FROM)
        marked = (marked.when(is_duration).then(_duration_text(moment))
                  .when(is_date).then(DATE_MARK + moment.dt.round("1s").dt.strftime(_TYPED_DATE_TEXT)))
    return marked.otherwise(text)


def _duration_text(moment: pl.Expr) -> pl.Expr:
    """A time-of-day or duration cell as hours:minutes:seconds: no date, so a date column refuses it
    visibly instead of storing a day of 1899 (typed_cell_text keeps such cells as text too)."""
    seconds = (moment - _EXCEL_TIME_BASE).dt.total_seconds().round(0).cast(pl.Int64)
    two_digits = [(seconds // 60 % 60).cast(pl.String).str.zfill(2), (seconds % 60).cast(pl.String).str.zfill(2)]
    return pl.format("{}:{}:{}", seconds // 3600, *two_digits)
