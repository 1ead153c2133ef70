from datetime import date, datetime

import polars as pl
import pytest

from sync.ingest import normalize as norm


def _number(value):
    return pl.select(norm.parse_number(norm.clean_text(pl.lit(value, dtype=pl.String)))).item()


@pytest.mark.parametrize(("text", "expected"), [
    ("RM1,234.50", 1234.5), ("1,234", 1234.0), ("(12.00)", -12.0), ("₱ 99", 99.0),
    ("-", None), ("--", None), ("", None), ("abc", None), ("1.2.3", None),
])
def test_numbers_lose_separators_and_currency(text, expected):
    assert _number(text) == expected


def test_percent_text_becomes_a_ratio():
    assert pl.select(norm.parse_percent(pl.lit("12.5%"))).item() == pytest.approx(0.125)


def _dates(values, formats, tz="UTC"):
    series = pl.Series("v", values)
    fmts = norm.date_formats_for(formats)
    counts = norm.format_counts(series, fmts)
    return series.to_frame().select(norm.parse_datetime(pl.col("v"), fmts, counts, tz)).to_series().to_list()


def test_day_first_or_month_first_follows_the_column():
    formats = ["%d/%m/%Y %H:%M", "%m/%d/%Y %H:%M"]

    day_first = _dates(["03/04/2024 10:00", "25/04/2024 10:00"], formats)
    month_first = _dates(["03/04/2024 10:00", "04/25/2024 10:00"], formats)

    assert day_first[0] == datetime(2024, 4, 3, 10, 0)
    assert month_first[0] == datetime(2024, 3, 4, 10, 0)


def test_local_times_become_utc_and_offsets_are_respected():
    local, offset = _dates(["2024-11-01 08:00", "2024-11-01T08:00:00+00:00"],
                           ["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S%z"], tz="Asia/Kuala_Lumpur")

    assert local == datetime(2024, 11, 1, 0, 0)
    assert offset == datetime(2024, 11, 1, 8, 0)


def test_excel_serial_numbers_are_dates():
    (value,) = _dates(["45597.5"], [])

    assert value == datetime(2024, 11, 1, 12, 0)


def test_local_date_of_a_late_utc_time_is_the_next_day():
    frame = pl.DataFrame({"t": [datetime(2024, 11, 1, 20, 0)]})

    assert frame.select(norm.local_date(pl.col("t"), "Asia/Shanghai")).item() == date(2024, 11, 2)
