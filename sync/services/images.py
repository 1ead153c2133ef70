"""Product images embedded in a workbook, copied out to media storage with the sheet row they sit on."""

import posixpath
import zipfile
from xml.etree import ElementTree

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from sync.errors import FileRejected
from sync.ingest.reading import guard_file, resolve_inbox_path
from sync.models import CatalogFile

_NS = {
    "xdr": "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
}


def product_images_extract(*, file: CatalogFile) -> list[dict]:
    """Store each image of the workbook under product_images/<file id>/; returns [{path, row}],
    row being the 1-based sheet row of the image's top-left anchor (None when not anchored)."""
    path = resolve_inbox_path(file.path)
    if guard_file(path) != "xlsx":
        raise FileRejected("only xlsx workbooks carry embedded images", code="not_xlsx")
    with zipfile.ZipFile(path) as archive:
        rows = _anchor_rows(archive)
        stored = []
        for name in sorted(n for n in archive.namelist() if n.startswith("xl/media/")):
            target = f"product_images/{file.pk}/{posixpath.basename(name)}"
            if default_storage.exists(target):
                default_storage.delete(target)
            saved = default_storage.save(target, ContentFile(archive.read(name)))
            stored.append({"path": saved, "row": rows.get(name)})
    return stored


def _anchor_rows(archive: zipfile.ZipFile) -> dict[str, int]:
    """media part name -> anchor row, read from each drawing and its relationships."""
    rows = {}
    for drawing in (n for n in archive.namelist() if n.startswith("xl/drawings/drawing") and n.endswith(".xml")):
        rels_name = posixpath.join(posixpath.dirname(drawing), "_rels", posixpath.basename(drawing) + ".rels")
        if rels_name not in archive.namelist():
            continue
        targets = {
            rel.get("Id"): posixpath.normpath(posixpath.join(posixpath.dirname(drawing), rel.get("Target")))
            for rel in ElementTree.fromstring(archive.read(rels_name)).findall("rel:Relationship", _NS)
        }
        root = ElementTree.fromstring(archive.read(drawing))
        for anchor in [*root.findall("xdr:oneCellAnchor", _NS), *root.findall("xdr:twoCellAnchor", _NS)]:
            row = anchor.find("xdr:from/xdr:row", _NS)
            blip = anchor.find(".//a:blip", _NS)
            if row is not None and blip is not None:
                media = targets.get(blip.get(f"{{{_NS['r']}}}embed"))
                if media:
                    rows[media] = int(row.text) + 1
    return rows
