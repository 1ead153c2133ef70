"""Property: text in a market's legacy encoding reads back exactly, or the file is refused with code
"encoding"; it never reads as mojibake."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sync.errors import FileRejected
from sync.ingest.reading import open_source

MAPPING = {"order_id": ["Order ID"], "product_name": ["Product Name"], "variation": ["Variation"]}
TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"


def encodable(encoding: str, ranges: list[tuple[int, int]], extra: str = "") -> list[str]:
    chars = [chr(c) for low, high in ranges for c in range(low, high + 1)] + list(extra)
    kept = []
    for char in chars:
        try:
            char.encode(encoding)
        except UnicodeEncodeError:
            continue
        kept.append(char)
    return kept


LATIN = [(0x41, 0x5A), (0x61, 0x7A)]
MARKETS = {
    "ja_JP": ("cp932", encodable("cp932", [(0x3041, 0x3096), (0x30A1, 0x30FA), (0x4E00, 0x9FA0)], "①②～ー")),
    "zh_TW": ("cp950", encodable("cp950", [(0x4E00, 0x9FA0)])),
    "zh_CN": ("gb18030", encodable("gb18030", [(0x4E00, 0x9FA0)], "，。")),
    "th_TH": ("cp874", encodable("cp874", [(0x0E01, 0x0E5B)])),
    "vi_VN": ("cp1258", encodable("cp1258", LATIN + [(0xC0, 0x1B0)], TONE_MARKS)),
}


def words(alphabet: list[str]):
    return st.text(alphabet=st.sampled_from(alphabet + [" ", "a", "1"]), min_size=1, max_size=24)


@st.composite
def market_files(draw):
    locale = draw(st.sampled_from(sorted(MARKETS)))
    encoding, alphabet = MARKETS[locale]
    cells = draw(st.lists(st.tuples(words(alphabet), words(alphabet)), min_size=1, max_size=8))
    return locale, encoding, [(f"P{i}", name, variation) for i, (name, variation) in enumerate(cells)]


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(market_files())
def test_legacy_encoded_text_reads_back_exactly_or_is_refused(tmp_path, market_file):
    locale, encoding, rows = market_file
    path = tmp_path / f"{locale}.csv"
    lines = ["Order ID,Product Name,Variation", *(",".join(row) for row in rows)]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))

    try:
        source = open_source(path, mapping=MAPPING, required=[], header_row=None, locale=locale)
    except FileRejected as exc:
        assert exc.code == "encoding", exc.message
        return
    try:
        read = [row for batch in source.batches() for row in batch.drop("_row").rows()]
    finally:
        source.close()
    assert read == [tuple(cell if cell.strip() else None for cell in row) for row in rows], source.encoding


@pytest.mark.parametrize("locale", sorted(MARKETS))
def test_each_market_encoding_is_one_the_locale_names(locale):
    from sync.ingest.locales import text_encodings

    assert MARKETS[locale][0] in text_encodings(locale)


def test_each_match_of_ftfy_mojibake_pattern_holds_a_character_outside_ascii_within_reach():
    """Why `looks_bad` may search near the characters outside ASCII only: every character class ftfy's
    pattern is built from lies outside ASCII, and no match is longer than MOJIBAKE_REACH."""
    import re

    from ftfy.badness import BADNESS_RE, MOJIBAKE_CATEGORIES

    from sync.ingest.encodings import MOJIBAKE_REACH

    for name, characters in MOJIBAKE_CATEGORIES.items():
        category = re.compile(f"[{characters}]")
        assert not [c for c in map(chr, range(128)) if category.match(c)], name
    assert re._parser.parse(BADNESS_RE.pattern, BADNESS_RE.flags).getwidth()[1] <= MOJIBAKE_REACH


# Real mojibake (UTF-8 read as cp1252, as MacRoman, as cp1251), ftfy's suspect characters and the
# ASCII they sit beside, so that drawn lines both hold matches and come near to them.
MOJIBAKE_PIECES = ["ã‚¿ã‚ªãƒ«", "Ã©", "Ã ", "Â ", "â€™", "â€œ", "Ã¼ber", "√©", "вЂ™", "Ð¿Ñ€", "Ø§Ù„",
                   "à²", "œ1", "Ã\xa0", "×²", "Ã", "Â", "é", "ü", "–", "°", "ñ", "タオル", "ผ้า", "Thủy"]


def lines():
    ascii_pieces = st.text(alphabet=st.sampled_from("aZ .,?!1-\t"), max_size=12)
    return st.lists(st.one_of(ascii_pieces, st.sampled_from(MOJIBAKE_PIECES),
                              st.characters(min_codepoint=0x80, max_codepoint=0x2FFF)),
                    max_size=12).map("".join)


@settings(max_examples=2_000, deadline=None, derandomize=True)
@given(lines())
def test_looks_bad_is_ftfy_is_bad(line):
    from ftfy.badness import is_bad

    from sync.ingest.encodings import looks_bad

    assert looks_bad(line) == is_bad(line)

def test_a_mojibake_line_among_ascii_lines_is_still_refused(tmp_path):
    path = tmp_path / "orders.csv"
    lines = ["Order ID,Product Name", *(f"{n},Towel {n}" for n in range(2_000)), "9999,ã‚¿ã‚ªãƒ«"]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))

    with pytest.raises(FileRejected) as caught:
        open_source(path, mapping={"order_id": ["Order ID"], "product_name": ["Product Name"]}, required=[],
                    header_row=None, locale=None)

    assert caught.value.code == "encoding"
    assert "mojibake" in caught.value.message
