"""Broken and hostile export files for the guard tests, each written into the inbox."""

import zipfile
from pathlib import Path

import xlsxwriter

SHOPEE_DAILY = "shopee/shop_guard/orders/daily"
HEADER = ["Order ID", "Order Creation Date", "SKU Reference No.", "Quantity", "Deal Price"]
ROW = ["G1", "2024-11-01 10:00", "SKU-1", "2", "10.00"]
OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")


def inbox_path(inbox: Path, name: str) -> Path:
    path = inbox / SHOPEE_DAILY / name
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _csv(rows) -> bytes:
    return "".join(",".join(r) + "\n" for r in rows).encode()


def valid_xlsx(path: Path, rows: list[list], formulas: bool = False):
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("orders")
    sheet.write_row(0, 0, HEADER)
    for index, row in enumerate(rows, start=1):
        sheet.write_row(index, 0, row)
        if formulas:
            sheet.write_formula(index, 4, f"=D{index + 1}*5", None, float(row[3]) * 5)
    workbook.close()


def write_guard_files(inbox: Path, *, oversize_bytes: int) -> dict[str, str]:
    """name -> the text its failure reason must contain."""
    cases = {}

    def case(name: str, content: bytes, reason: str):
        inbox_path(inbox, name).write_bytes(content)
        cases[name] = reason

    case("empty_20241101.csv", b"", "file is empty")
    case("header_only_20241101.csv", _csv([HEADER]), "header but no data rows")
    case("no_header_20241101.csv", _csv([["foo", "bar"], ["1", "2"]]), "no recognisable header")
    case("missing_column_20241101.csv", _csv([HEADER[1:], ROW[1:]]), "missing required column(s): order_id")
    # Text a tool encoded twice (UTF-8 read as cp1252, saved as UTF-8 again): every reading is mojibake.
    case("mojibake_20241101.csv", _csv([HEADER, ROW]) + "CrÃ¨me brÃ»lÃ©e\n".encode(),
         "cannot decode the file")
    case("oversize_20241101.csv", _csv([HEADER]) + _csv([ROW]) * (oversize_bytes // 20 + 1), "over the limit")
    case("corrupt_20241101.xlsx", b"this is not a workbook at all" * 10, "truncated or corrupt")
    case("encrypted_20241101.xlsx", OLE_MAGIC + b"\0" * 504 + "EncryptedPackage".encode("utf-16-le") + b"\0" * 512,
         "password-protected")

    whole = inbox_path(inbox, "whole.tmp")
    valid_xlsx(whole, [ROW] * 200)
    data = whole.read_bytes()
    whole.unlink()
    case("truncated_20241101.xlsx", data[: len(data) // 2], "truncated or corrupt")

    bomb = inbox_path(inbox, "bomb_20241101.xlsx")
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b" " * (64 * 1024 * 1024))
    cases[bomb.name] = "zip bomb"
    return cases


def write_outside_inbox(inbox: Path) -> str:
    """A file beside the inbox, and the relative path that points at it from inside."""
    outside = inbox.parent / "outside_20241101.csv"
    outside.write_bytes(_csv([HEADER, ROW]))
    return f"../{outside.name}"
