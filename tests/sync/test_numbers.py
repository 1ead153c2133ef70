"""Numbers read as the market that wrote them means them (sync/ingest/numbers.py, convert.py)."""

from decimal import Decimal

import polars as pl
import pytest
from babel.numbers import format_currency, format_decimal
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.ingest.cells import NUMBER_MARK
from sync.ingest.convert import FieldShape, decimal_value, int_value, percent_value
from sync.ingest.locales import reads_number_cells_plainly
from sync.ingest.normalize import clean_text
from sync.ingest.numbers import number_decide, number_readings, number_shape

MONEY = FieldShape("decimal", 18, 4)
COUNT = FieldShape("int", int_limit=2**31)
RATE = FieldShape("percent", 12, 6)
MARKET_LOCALES = ["id_ID", "vi_VN", "th_TH", "ms_MY", "en_PH", "zh_TW", "zh_CN", "ja_JP", "en_US", "en_GB", "pt_BR"]


def read(values: list, *, locale=None, declared=True, shape=MONEY, convert=decimal_value):
    """(values, causes) of a column read as the engine reads it."""
    frame = pl.DataFrame({"v": values}, schema={"v": pl.String}).select(clean_text(pl.col("v")).alias("v"))
    frame = frame.with_columns(r=number_shape(pl.col("v"))).with_columns(r=number_readings(pl.col("r"), pl.col("v")))
    decision = number_decide(frame["r"], locale=locale, declared=declared, whole=convert is int_value)
    converted = convert(pl.col("v"), pl.col("r"), decision, shape)
    frame = frame.select(value=converted.value, cause=converted.cause)
    return frame["value"].to_list(), frame["cause"].to_list()


@pytest.mark.parametrize(("locale", "text", "expected"), [
    ("id_ID", "Rp 12.345", "12345"), ("id_ID", "1.234,50", "1234.50"), ("id_ID", "-Rp 1.234", "-1234"),
    ("vi_VN", "1.234.567 ₫", "1234567"), ("vi_VN", "12.500,5₫", "12500.5"),
    ("th_TH", "฿1,234.50", "1234.50"), ("ms_MY", "RM1,234.50", "1234.50"), ("en_PH", "₱ 99", "99"),
    ("zh_TW", "NT$1,200", "1200"), ("ja_JP", "¥1,200", "1200"), ("ja_JP", "1,200円", "1200"),
    ("ja_JP", "▲1,200", "-1200"), ("pt_BR", "R$ 1.234,56", "1234.56"), ("en_US", "(12.00)", "-12"),
    ("en_US", "1,234.50-", "-1234.50"), ("en_US", "USD 5", "5"), ("en_US", "１，２３４．５０", "1234.50"),
    ("en_US", "−7.5", "-7.5"), ("en_PH", "₱(1,234.50)", "-1234.50"), ("en_US", "$ (12.00)", "-12"),
])
def test_a_declared_locale_reads_its_own_marks_and_currencies(locale, text, expected):
    values, _ = read([text], locale=locale)

    assert values == [Decimal(expected)]


@pytest.mark.parametrize(("locale", "text", "cause"), [
    ("id_ID", "1,234.50", "not a number in id_ID ('.' groups, ',' decimal)"),
    ("en_US", "1.234,50", "not a number in en_US (',' groups, '.' decimal)"),
    ("en_US", "--5", "not a number"), ("en_US", "(5", "not a number"), ("en_US", "($(5)", "not a number"), ("en_US", "1.2.3", "not a number in en_US"),
    ("en_US", "abc", "not a number"), ("en_US", "5%", "a percentage in a column of amounts"),
    ("en_US", "123456789012345", "out of range (18 digits, 4 after the point)"),
    ("en_US", "12.12345", "out of range (18 digits, 4 after the point)"),
    ("id_ID", "-0,00001", "out of range (18 digits, 4 after the point)"),
])
def test_a_value_the_locale_cannot_read_is_refused_with_its_cause(locale, text, cause):
    values, causes = read([text], locale=locale)

    assert values == [None]
    assert causes[0].startswith(cause)


def test_without_a_locale_the_column_settles_the_convention():
    values, _ = read(["1.234", "1.234.567"], locale=None, declared=False)

    assert values == [Decimal(1234), Decimal(1234567)]


def test_without_a_locale_or_evidence_an_ambiguous_value_is_quarantined_not_guessed():
    values, causes = read(["1.234", "12"], locale=None, declared=False)

    assert values == [None, Decimal(12)]
    assert causes[0] == "ambiguous number (no locale and no evidence in the column)"


def test_a_locale_contradicted_by_its_column_reads_no_ambiguous_value():
    # The region says Indonesia, but the column is written the other way: '1.234' is not trusted.
    values, causes = read(["1.234", "12.50"], locale="id_ID", declared=False)

    assert values == [None, Decimal("12.50")]
    assert causes[0].startswith("ambiguous number (locale id_ID contradicted by values such as '12.50')")


def test_in_a_column_of_counts_only_a_whole_reading_counts():
    values, _ = read(["1,234", "7"], locale=None, declared=False, shape=COUNT, convert=int_value)
    refused, causes = read(["1,000"], locale=None, declared=False, shape=COUNT, convert=int_value)

    assert values == [1234, 7]
    assert refused == [None] and causes[0].startswith("ambiguous number")


def test_typed_cells_are_the_number_they_hold_whatever_the_locale():
    values, _ = read([f"{NUMBER_MARK}12.345", f"{NUMBER_MARK}0.30000000000000004"], locale="id_ID")

    assert values == [Decimal("12.345"), Decimal("0.3")]


def test_counts_refuse_fractions_percentages_and_overflow():
    values, causes = read(["2.5", "5%", "3000000000", f"{NUMBER_MARK}2.5", "2.000"], locale="en_US",
                          shape=COUNT, convert=int_value)

    assert values == [None, None, None, None, 2]  # "2.000" is two in en_US
    assert causes[:4] == ["not a number in en_US (',' groups, '.' decimal)", "a percentage in a column of whole numbers",
                          "out of range (limit 2147483647)", "not a whole number"]


def test_percentages_become_ratios_and_typed_percent_cells_are_ratios():
    values, _ = read(["12.5%", "12,5%", f"{NUMBER_MARK}0.125"], locale="id_ID", shape=RATE, convert=percent_value)

    assert values[1:] == [Decimal("0.125"), Decimal("0.125")]
    assert values[0] is None  # '12.5' is no number in id_ID


def test_a_text_float_with_noise_past_the_columns_places_is_the_value_it_rounds_from():
    values, causes = read(["2.9789999999999996", "0.30000000000000004", "12.12345", "1.00000000001",
                           "-82519449054053.00898"], locale="en_US")

    assert values == [Decimal("2.979"), Decimal("0.3"), None, None, None]
    assert causes[2] == causes[3] == causes[4] == "out of range (18 digits, 4 after the point)"


def test_a_typed_cell_with_more_places_than_its_column_holds_is_refused_unless_they_are_float_noise():
    values, causes = read([f"{NUMBER_MARK}12.12345", f"{NUMBER_MARK}2.9789999999999996",
                           f"{NUMBER_MARK}770933406.149000049"], locale="en_US")
    ratios, _ = read([f"{NUMBER_MARK}0.1234567", f"{NUMBER_MARK}0.07000000000000001"], locale="en_US",
                     shape=RATE, convert=percent_value)

    assert values == [None, Decimal("2.979"), Decimal("770933406.149")]
    assert causes[0] == "out of range (18 digits, 4 after the point)"
    assert ratios == [None, Decimal("0.07")]


def test_a_percentage_with_more_places_than_its_column_holds_is_refused_not_rounded():
    values, causes = read(["12.3456%", "12.34567%", "0.1234567", "0.123456"], locale="en_US", shape=RATE,
                          convert=percent_value)

    assert values == [Decimal("0.123456"), None, None, Decimal("0.123456")]
    assert causes[1] == causes[2] == "out of range (12 digits, 6 after the point)"


amounts = st.decimals(min_value=Decimal("-99999999999.9999"), max_value=Decimal("99999999999.9999"),
                      places=4, allow_nan=False, allow_infinity=False)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(locale=st.sampled_from(MARKET_LOCALES), values=st.lists(amounts, min_size=1, max_size=20),
       places=st.integers(0, 4), currency=st.sampled_from([None, "IDR", "VND", "THB", "MYR", "PHP", "TWD", "JPY", "USD"]))
def test_any_amount_written_by_babel_in_a_market_locale_reads_back_exactly(locale, values, places, currency):
    quantum = Decimal(1).scaleb(-places)
    values = [v.quantize(quantum) for v in values]
    pattern = "#,##0" + ("." + "0" * places if places else "")
    if currency:
        texts = [format_currency(v, currency, format="¤ " + pattern, locale=locale, currency_digits=False)
                 for v in values]
    else:
        texts = [format_decimal(v, format=pattern, locale=locale) for v in values]

    read_back, causes = read(texts, locale=locale)

    assert read_back == values, list(zip(texts, read_back, causes))


@settings(max_examples=300, deadline=None, derandomize=True)
@given(locale=st.sampled_from(MARKET_LOCALES), values=st.lists(amounts, min_size=1, max_size=20),
       places=st.integers(0, 4))
def test_without_a_locale_every_value_is_exact_or_quarantined(locale, values, places):
    quantum = Decimal(1).scaleb(-places)
    values = [v.quantize(quantum) for v in values]
    pattern = "#,##0" + ("." + "0" * places if places else "")
    texts = [format_decimal(v, format=pattern, locale=locale) for v in values]

    read_back, _ = read(texts, locale=None, declared=False)

    wrong = [(t, v, r) for t, v, r in zip(texts, values, read_back) if r is not None and r != v]
    assert wrong == []


PLAIN_NUMBER_LOCALES = [name for name in MARKET_LOCALES if reads_number_cells_plainly(name, declared=True)]


@st.composite
def number_cell_texts(draw) -> str:
    """A text fastexcel writes for a number cell that a double holds exactly to Excel's 15 digits: no
    exponent, no trailing zero after the point, at most 15 digits."""
    digits = draw(st.integers(1, 15))
    whole = str(draw(st.integers(0, 10 ** draw(st.integers(1, digits)) - 1)))
    room = 15 - len(whole)
    fraction = str(draw(st.integers(0, 10 ** room - 1))).zfill(room)[:draw(st.integers(0, room))].rstrip("0") if room else ""
    return ("-" if draw(st.booleans()) else "") + whole + ("." + fraction if fraction else "")


def test_only_declared_locales_with_a_decimal_point_read_number_cells_plainly():
    assert set(PLAIN_NUMBER_LOCALES) >= {"en_PH", "th_TH", "ms_MY", "zh_TW", "ja_JP", "en_US"}
    assert not {"id_ID", "vi_VN", "pt_BR"} & set(PLAIN_NUMBER_LOCALES)
    assert not reads_number_cells_plainly("en_PH", declared=False)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(locale=st.sampled_from(PLAIN_NUMBER_LOCALES), texts=st.lists(number_cell_texts(), min_size=1, max_size=20),
       column=st.sampled_from([(MONEY, decimal_value), (COUNT, int_value)]))
def test_where_number_cells_read_plainly_their_text_never_reads_as_another_value_than_the_typed_cell(
        locale, texts, column):
    """Why the reader may skip the typed load of such columns (workbooks.choose_sheet): read as text, a
    number cell gives the typed cell's value, or is refused where the typed cell's places past the
    column's were float noise (a typed 1e-13 is 0.0000; the text 0.0000000000001 is quarantined)."""
    shape, convert = column

    plain, _ = read(texts, locale=locale, shape=shape, convert=convert)
    typed, _ = read([NUMBER_MARK + t for t in texts], locale=locale, shape=shape, convert=convert)

    other_values = [(t, p, y) for t, p, y in zip(texts, plain, typed, strict=True) if p is not None and p != y]
    assert other_values == []


@settings(max_examples=300, deadline=None, derandomize=True)
@given(locale=st.sampled_from([None, *MARKET_LOCALES]), declared=st.booleans(),
       texts=st.lists(st.integers(-(10 ** 15) + 1, 10 ** 15 - 1).map(str), min_size=1, max_size=20),
       column=st.sampled_from([(MONEY, decimal_value), (COUNT, int_value)]))
def test_in_any_locale_a_whole_number_cells_text_reads_as_the_typed_cell_does(locale, declared, texts, column):
    """Why a column of counts or amounts whose number texts are plain integers needs no typed load."""
    shape, convert = column

    plain, _ = read(texts, locale=locale, declared=declared and locale is not None, shape=shape, convert=convert)
    typed, _ = read([NUMBER_MARK + t for t in texts], locale=locale, declared=declared and locale is not None,
                    shape=shape, convert=convert)

    assert plain == typed, list(zip(texts, plain, typed))


@settings(max_examples=300, deadline=None, derandomize=True)
@given(locale=st.sampled_from(MARKET_LOCALES), declared=st.booleans(),
       whole=st.lists(st.integers(-(10 ** 12), 10 ** 12).map(str), min_size=1, max_size=10),
       amounts=st.lists(amounts, min_size=1, max_size=10))
def test_whole_number_cells_read_plainly_change_no_reading_of_the_texts_beside_them(locale, declared, whole, amounts):
    written = [format_decimal(v.quantize(Decimal("0.01")), format="#,##0.00", locale=locale) for v in amounts]

    plain, _ = read([*whole, *written], locale=locale, declared=declared)
    typed, _ = read([*(NUMBER_MARK + t for t in whole), *written], locale=locale, declared=declared)

    assert plain == typed, list(zip([*whole, *written], plain, typed))
