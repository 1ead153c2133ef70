"""Which locale a file was written in, and what that locale implies for reading it: the number
convention (from Babel's CLDR data), the usual day/month order and the legacy text encodings."""

from dataclasses import dataclass
from functools import cache

from babel import Locale, UnknownLocaleError
from babel import numbers as babel_numbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# A shop's region gives the locale its seller centre writes when nothing declares one.
REGION_LOCALES = {
    "ID": "id_ID", "VN": "vi_VN", "TH": "th_TH", "MY": "ms_MY", "PH": "en_PH", "SG": "en_SG",
    "TW": "zh_TW", "CN": "zh_CN", "HK": "zh_HK", "JP": "ja_JP", "KR": "ko_KR", "US": "en_US",
    "GB": "en_GB", "UK": "en_GB", "BR": "pt_BR", "MX": "es_MX", "DE": "de_DE", "FR": "fr_FR",
    "ES": "es_ES", "IT": "it_IT", "CA": "en_CA", "AU": "en_AU", "IN": "en_IN",
}
# Encodings tried for a csv after a BOM and UTF-8, by language (Excel's "CSV" saves in the ANSI code page).
LANGUAGE_ENCODINGS = {
    "ja": ["cp932"], "zh_CN": ["gb18030"], "zh_TW": ["cp950", "big5hkscs"], "zh_HK": ["big5hkscs", "cp950"],
    "ko": ["cp949"], "th": ["cp874"], "vi": ["cp1258"], "ru": ["cp1251"],
}
WESTERN_ENCODINGS = ["cp1252"]
# Usual order of the day and the month in dates written as text.
MONTH_FIRST_TERRITORIES = {"US", "PH", "CA"}
YEAR_FIRST_LANGUAGES = {"ja", "zh", "ko"}


@dataclass(frozen=True)
class NumberConvention:
    decimal: str
    group: str
    grouping: tuple[int, int] = (3, 3)  # primary and secondary group sizes (India: 3, 2)


def locale_valid(name: str) -> bool:
    try:
        Locale.parse(name)
    except (UnknownLocaleError, ValueError, TypeError):
        return False
    return True


def validate_number_locale(value: str):
    """Model validator: an empty value, or a locale Babel knows (`id_ID`, `vi_VN`, `en_US`)."""
    if value and not locale_valid(value):
        raise ValidationError(_("unknown locale %(value)s: use a language_TERRITORY code such as id_ID"),
                              params={"value": value})


def file_locale(*, file_locale: str = "", template_locale: str = "", account=None) -> str | None:
    """The file's own declaration, then its template's, then its shop's, then its shop's region."""
    for declared in (file_locale, template_locale, account and account.number_locale):
        if declared:
            return declared
    region = (account and account.region or "").upper()
    return REGION_LOCALES.get(region)


@cache
def number_convention(name: str) -> NumberConvention:
    locale = Locale.parse(name)
    pattern = locale.decimal_formats.get(None)
    grouping = tuple(pattern.grouping) if pattern is not None else (3, 3)
    group = babel_numbers.get_group_symbol(locale)
    # CLDR's narrow and plain no-break spaces are written as a plain space by most tools.
    if group in ("\u00a0", "\u202f"):
        group = " "
    return NumberConvention(babel_numbers.get_decimal_symbol(locale), group, grouping)


def reads_number_cells_plainly(name: str | None, *, declared: bool) -> bool:
    """A declared locale whose decimal mark is "." and whose group mark is not: the text a number cell
    shows (12, -3.25) reads as the number it is, so which cells Excel typed need not be known."""
    if not (name and declared):
        return False
    convention = number_convention(name)
    return convention.decimal == "." and convention.group != "."


def text_encodings(name: str | None) -> list[str]:
    """Legacy encodings a file of this locale is likely saved in, most likely first."""
    if not name:
        return []
    locale = Locale.parse(name)
    key = f"{locale.language}_{locale.territory}"
    return LANGUAGE_ENCODINGS.get(key) or LANGUAGE_ENCODINGS.get(locale.language) or WESTERN_ENCODINGS


def date_order(name: str | None) -> str | None:
    """DMY, MDY or YMD as the locale usually writes dates; None without a locale."""
    if not name:
        return None
    locale = Locale.parse(name)
    if locale.language in YEAR_FIRST_LANGUAGES:
        return "YMD"
    return "MDY" if locale.territory in MONTH_FIRST_TERRITORIES else "DMY"
