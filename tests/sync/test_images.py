import pytest
from django.core.files.storage import default_storage

from sync.demo.exports import demo_exports_write
from sync.errors import FileRejected
from sync.models import CatalogFile
from sync.services.catalog import catalog_scan
from sync.services.images import product_images_extract

pytestmark = pytest.mark.django_db


def test_embedded_product_images_are_stored_with_their_rows(inbox):
    demo_exports_write(out_dir=inbox, rows=20, seed=1, only=["shopee_products_xlsx"])
    catalog_scan(inbox=inbox)
    file = CatalogFile.objects.get()

    images = product_images_extract(file=file)

    assert len(images) == 3
    for image in images:
        assert image["path"].startswith(f"product_images/{file.pk}/")
        assert default_storage.open(image["path"]).read(8) == b"\x89PNG\r\n\x1a\n"
        assert image["row"] is not None and image["row"] > 1
    assert product_images_extract(file=file) == images  # a second run replaces, never duplicates


def test_a_csv_has_no_images_to_extract(inbox):
    demo_exports_write(out_dir=inbox, rows=5, seed=1, only=["tiktok_orders_bom_csv"])
    catalog_scan(inbox=inbox)

    with pytest.raises(FileRejected, match="only xlsx"):
        product_images_extract(file=CatalogFile.objects.get())
