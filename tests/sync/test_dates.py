"""Dates read as the market that wrote them means them (sync/ingest/dates.py, convert.py)."""

from datetime import date, datetime

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.ingest.cells import DATE_MARK, NUMBER_MARK
from sync.ingest.convert import DATE, DATETIME, datetime_value
from sync.ingest.dates import DMY, MDY, date_decide, date_readings, date_shape, template_orders


def read(values: list, *, formats=(), date_order="", locale=None, locale_order=None, tz="UTC", kind=DATETIME):
    buddhist_era = (locale or "").startswith("th")
    frame = pl.DataFrame({"v": values}, schema={"v": pl.String}).with_columns(r=date_shape(pl.col("v")))
    frame = frame.with_columns(r=date_readings(pl.col("r"), pl.col("v"), buddhist_era))
    decision = date_decide(frame["r"], declared=template_orders(date_order, list(formats)), locale=locale,
                           locale_order=locale_order, buddhist_era=buddhist_era)
    converted = datetime_value(pl.col("v"), pl.col("r"), decision, list(formats), tz, kind)
    frame = frame.select(value=converted.value, cause=converted.cause)
    return frame["value"].to_list(), frame["cause"].to_list()


def test_typed_datetime_cells_round_excel_float_noise_to_the_second():
    values, _ = read([f"{DATE_MARK}2026-11-01T13:59:59.997000", f"{DATE_MARK}2026-11-02"])

    assert values == [datetime(2026, 11, 1, 14, 0), datetime(2026, 11, 2)]


def test_serial_numbers_in_a_date_column_are_dates():
    values, _ = read(["45597.5", f"{NUMBER_MARK}45597.25"])

    assert values == [datetime(2024, 11, 1, 12, 0), datetime(2024, 11, 1, 6, 0)]


@pytest.mark.parametrize("text", ["2026/11/02 09:15:00", "2026-11-02 09:15", "2026.11.02 09:15:00",
                                  "2026-11-02T09:15:00", "2026-11-02 09:15:00.000"])
def test_year_first_dates_parse_with_any_separator_and_time(text):
    values, _ = read([text])

    assert values == [datetime(2026, 11, 2, 9, 15)]


def test_a_date_read_two_ways_with_no_order_declared_is_quarantined_naming_the_cause():
    values, causes = read(["03/04/2026"])

    assert values == [None]
    assert causes == ["ambiguous date: day or month first (no date order declared and no evidence in the column)"]


def test_the_template_order_decides():
    day_first, _ = read(["03/04/2026"], date_order=DMY)
    month_first, _ = read(["03/04/2026"], date_order=MDY)
    refused, causes = read(["04/25/2026"], date_order=DMY)

    assert day_first == [datetime(2026, 4, 3)] and month_first == [datetime(2026, 3, 4)]
    assert refused == [None] and causes == ["not a date in the template's order DMY"]


def test_tiktok_formats_name_day_first_for_24_hour_times_and_month_first_with_am_pm():
    formats = ["%d/%m/%Y %H:%M:%S", "%m/%d/%Y %I:%M:%S %p"]

    values, _ = read(["03/04/2026 13:05:00", "03/04/2026 01:05:00 PM"], formats=formats)

    assert values == [datetime(2026, 4, 3, 13, 5), datetime(2026, 3, 4, 13, 5)]


def test_the_locale_order_holds_unless_the_column_contradicts_it():
    trusted, _ = read(["03/04/2026", "25/04/2026"], locale="en_GB", locale_order=DMY)
    contradicted, causes = read(["03/04/2026", "04/25/2026"], locale="en_GB", locale_order=DMY)

    assert trusted == [datetime(2026, 4, 3), datetime(2026, 4, 25)]
    assert contradicted == [None, datetime(2026, 4, 25)]
    assert causes[0].startswith("ambiguous date: day or month first (locale en_GB contradicted by values such as")


def test_thai_buddhist_era_years_are_gregorian():
    values, _ = read(["2569-11-02 10:00"], locale="th_TH", locale_order=DMY)

    assert values == [datetime(2026, 11, 2, 10, 0)]


def test_a_buddhist_era_year_without_a_thai_locale_is_refused_not_stored_as_written():
    values, causes = read(["2569-11-02 10:00", "02/11/2569 10:00", "2026-11-02 10:00"], locale="en_GB", locale_order=DMY)

    assert values == [None, None, datetime(2026, 11, 2, 10, 0)]
    assert causes[:2] == ["not a date", "not a date"]


def test_local_times_become_utc_and_offsets_are_respected():
    values, _ = read(["2024-11-01 08:00", "2024-11-01T08:00:00+00:00"], formats=["%Y-%m-%dT%H:%M:%S%z"],
                     tz="Asia/Kuala_Lumpur")

    assert values == [datetime(2024, 11, 1, 0, 0), datetime(2024, 11, 1, 8, 0)]


def test_a_local_time_a_daylight_saving_change_repeats_is_quarantined_not_guessed():
    values, causes = read(["2026-11-01 01:30"], tz="America/New_York")

    assert values == [None]
    assert causes == ["local time skipped or repeated by a daylight-saving change in America/New_York"]


def test_a_business_date_is_the_shops_calendar_day():
    values, _ = read(["2024-11-01T20:00:00+00:00"], formats=["%Y-%m-%dT%H:%M:%S%z"], tz="Asia/Shanghai", kind=DATE)

    assert values == [date(2024, 11, 2)]


moments = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31)).map(
    lambda d: d.replace(microsecond=0))
WRITTEN = {DMY: "%d/%m/%Y %H:%M:%S", MDY: "%m/%d/%Y %H:%M:%S"}


@settings(max_examples=300, deadline=None, derandomize=True)
@given(values=st.lists(moments, min_size=1, max_size=15), order=st.sampled_from([DMY, MDY]),
       declared=st.booleans())
def test_any_day_or_month_first_date_is_exact_or_quarantined(values, order, declared):
    texts = [v.strftime(WRITTEN[order]) for v in values]

    read_back, _ = read(texts, date_order=order if declared else "")

    wrong = [(t, v, r) for t, v, r in zip(texts, values, read_back) if r is not None and r != v]
    assert wrong == []
    if declared:
        assert read_back == values
