"""The bench's final table: one line per figure with its baseline, the ratio and the target."""

from dataclasses import dataclass

COLUMN_WIDTHS = (40, 18, 28, 9, 11)
HEADINGS = ("figure", "value", "baseline", "ratio", "target")


@dataclass
class Figure:
    name: str
    value: str
    baseline: str = ""
    ratio: str = ""
    target: str = ""
    met: bool | None = None  # None: informational, no target


def rate(rows: int, seconds: float) -> float:
    return rows / seconds if seconds > 0 else float("inf")


def rows_per_s(value: float) -> str:
    return f"{value:,.0f}/s"


def secs(value: float) -> str:
    return f"{value:.2f} s"


def mb(value: float) -> str:
    return f"{value:,.0f} MB"


def ratio(value: float) -> str:
    return f"{value:.2f}x"


def table_print(figures: list[Figure]) -> None:
    print()
    print(_line(HEADINGS, ""))
    for figure in figures:
        mark = "" if figure.met is None else ("  ok" if figure.met else "  MISSED")
        print(_line((figure.name, figure.value, figure.baseline, figure.ratio, figure.target), mark))


def _line(cells, mark: str) -> str:
    name, *rest = cells
    widths = COLUMN_WIDTHS
    return ("  " + name.ljust(widths[0]) + "".join(c.rjust(w) for c, w in zip(rest, widths[1:], strict=True))
            + mark)
