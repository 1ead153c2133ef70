"""Finding the header row of an export by its content and mapping its columns to template fields."""

import functools
import re
import unicodedata
from dataclasses import dataclass, field, replace

from sync.errors import FileRejected

HEADER_SCAN_ROWS = 50
# A row that names fewer template fields than this is not taken for a header.
MIN_HEADER_MATCHES = 2
_BRACKET_SUFFIX = re.compile(r"\([^()]{1,4}\)$")
_SPACES = re.compile(r"\s+")


def header_key(text: object) -> str:
    """How headers compare: case, spaces, asterisks, full-width forms and a short bracketed
    suffix such as a currency ("(MYR)", "（元）") or a tool's tag ("(單)") do not matter."""
    key = unicodedata.normalize("NFKC", str(text or "")).lower().replace("*", "")
    key = _SPACES.sub("", key)
    stripped = _BRACKET_SUFFIX.sub("", key)
    return stripped or key


@functools.lru_cache(maxsize=8192)
def _alias_key(alias: str) -> str:
    """A template alias's key: the same few hundred aliases are looked up for every candidate row of
    every file (276 keys made per small file, issue 19)."""
    return header_key(alias)


@dataclass
class HeaderMatch:
    row_index: int  # 0-based index in the rows given to detect_header
    field_columns: dict[str, int]  # canonical field -> column index
    missing_fields: list[str]  # template fields with no column
    unmapped_columns: list[str]  # source headers no field uses (kept in `extra`)
    headers: list[str] = field(default_factory=list)
    # Columns no field reads and nothing keeps: an error workbook's source row and reasons (corrections).
    ignored: frozenset[int] = frozenset()

    def without(self, names: tuple[str, ...]) -> "HeaderMatch":
        """The match with the columns headed by one of `names` ignored."""
        ignored = frozenset(i for i, header in enumerate(self.headers) if header in names)
        return replace(self, ignored=ignored, unmapped_columns=[c for c in self.unmapped_columns if c not in names])

    def is_unnamed(self, column: int) -> bool:
        return self.headers[column] == _unnamed(column)


def match_header(cells: list, mapping: dict[str, list[str]]) -> dict[str, int]:
    """Columns of one candidate header row for each template field (first matching alias wins)."""
    keys = [header_key(c) if c not in (None, "") else "" for c in cells]
    positions: dict[str, int] = {}
    for index, key in enumerate(keys):
        if key:
            positions.setdefault(key, index)
    found = {}
    for canonical, aliases in mapping.items():
        for alias in aliases:
            column = positions.get(_alias_key(alias) if isinstance(alias, str) else header_key(alias))
            if column is not None:
                found[canonical] = column
                break
    return found


def detect_header(rows: list[list], mapping: dict[str, list[str]], required: list[str],
                  header_row: int | None = None) -> HeaderMatch:
    """The header is the row naming the most template fields (title rows, description rows and
    stacked summary tables above it score lower); `header_row` (0-based) skips the search."""
    candidates = [header_row] if header_row is not None else range(min(len(rows), HEADER_SCAN_ROWS))
    best_index, best = None, {}
    for index in candidates:
        if index >= len(rows):
            break
        found = match_header(rows[index], mapping)
        if len(found) > len(best):
            best_index, best = index, found
    if best_index is None or len(best) < MIN_HEADER_MATCHES:
        where = f"row {header_row + 1}" if header_row is not None else f"the first {HEADER_SCAN_ROWS} rows"
        raise FileRejected(
            f"no recognisable header in {where}: fewer than {MIN_HEADER_MATCHES} columns match the template",
            code="no_header",
        )
    missing_required = [f for f in required if f not in best]
    if missing_required:
        raise FileRejected(
            "missing required column(s): "
            + ", ".join(f"{f} (any of {mapping[f]})" for f in missing_required if f in mapping),
            code="missing_column",
        )
    cells = rows[best_index]
    used = set(best.values())
    headers = [_column_name(cell, i) for i, cell in enumerate(cells)]
    return HeaderMatch(
        row_index=best_index,
        field_columns=best,
        missing_fields=[f for f in mapping if f not in best],
        unmapped_columns=[headers[i] for i, cell in enumerate(cells) if i not in used and cell not in (None, "")],
        headers=headers,
    )


def _column_name(cell, index: int) -> str:
    text = str(cell).strip() if cell not in (None, "") else ""
    return text or _unnamed(index)


def _unnamed(index: int) -> str:
    return f"column_{index + 1}"
