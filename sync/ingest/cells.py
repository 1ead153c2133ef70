"""How a workbook's typed cells travel through the all-text frames of the engine.

A number or a date that Excel stored as such is not text written in some locale: `12.345` typed as a
number means twelve point three four five whatever the shop's locale. The reader marks such cells
with one control character no export text contains, so the parsers take them as the value they are
and never read them through a locale's grouping and decimal marks."""

import datetime as dt
import math

NUMBER_MARK = "\x1d"
DATE_MARK = "\x1e"
MARKS = NUMBER_MARK + DATE_MARK
# Beyond this a float no longer holds every integer: a long id Excel stored as a number has lost digits.
EXACT_INTEGER_LIMIT = 2**53


def typed_cell_text(value) -> str | None:
    """The frame's text for one cell as python-calamine returns it."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return f"{NUMBER_MARK}{value}"
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        if value.is_integer() and abs(value) < EXACT_INTEGER_LIMIT:
            return f"{NUMBER_MARK}{int(value)}"
        return f"{NUMBER_MARK}{value!r}"
    if isinstance(value, (dt.datetime, dt.date)):
        return f"{DATE_MARK}{value.isoformat()}"
    # time-of-day and duration cells are no date: their text fails a date column visibly.
    return str(value)


def plain_text(text: str | None) -> str | None:
    """A cell as a person reads it in Excel (what `extra` and the quarantine keep)."""
    if text and text[0] in MARKS:
        return text[1:]
    return text
