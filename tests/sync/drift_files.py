"""Real-shaped export files for the drift tests: the generated demo exports (sync.demo.exports), some with
their header reshaped the way a platform changes its export (a column renamed, added or dropped)."""

import csv
import io
import shutil
from pathlib import Path

from sync.demo.exports import demo_exports_write
from sync.models import CatalogFile
from sync.services.catalog import catalog_scan

ZH_ORDERS = "shopee_orders_gb18030_csv"  # Simplified Chinese Shopee orders, GB18030, two title rows
EN_ORDERS = "shopee_orders_xlsx"  # English Shopee orders workbook, with rows that fail validation
ZH_HEADER_ROW = 2  # 0-based: below the report title and the shop line


def demo_file(inbox: Path, tmp_path: Path, *, key: str, seed: int = 1, rows: int = 40, shop: str | None = None,
              rename: dict[str, str] | None = None, drop: tuple[str, ...] = (), add: dict[str, str] | None = None
              ) -> CatalogFile:
    """One demo export in the inbox, catalogued; for the Chinese csv, its header reshaped: columns renamed,
    dropped, or added at the end with one value on every data row."""
    out = tmp_path / f"gen-{key}-{seed}-{shop}"
    (demo,) = demo_exports_write(out_dir=out, rows=rows, seed=seed, only=[key])
    relative = demo.path.replace(f"/{demo.shop_id}/", f"/{shop}/") if shop else demo.path
    target = inbox / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(out / demo.path, target)
    if rename or drop or add:
        _reshape_csv(target, demo.encoding, rename or {}, drop, add or {})
    catalog_scan(inbox=inbox)
    return CatalogFile.objects.get(path=relative)


def _reshape_csv(path: Path, encoding: str, rename: dict, drop: tuple, add: dict):
    rows = list(csv.reader(io.StringIO(path.read_text(encoding=encoding), newline="")))
    header = rows[ZH_HEADER_ROW]
    kept = [i for i, name in enumerate(header) if name not in drop]
    assert set(rename) | set(drop) <= set(header), f"not in the header: {set(rename) | set(drop) - set(header)}"
    reshaped = rows[:ZH_HEADER_ROW]
    reshaped.append([rename.get(header[i], header[i]) for i in kept] + list(add))
    reshaped += [[row[i] for i in kept] + list(add.values()) for row in rows[ZH_HEADER_ROW + 1:]]
    text = io.StringIO(newline="")
    csv.writer(text, lineterminator="\r\n").writerows(reshaped)
    path.write_bytes(text.getvalue().encode(encoding))
