"""Write demo seller-centre export files (with known bad rows) and their manifest.json into the inbox."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from sync.demo.exports import DEMO_FILE_KEYS, MANIFEST_NAME, DemoFile, demo_exports_write


class Command(BaseCommand):
    help = "Write deterministic demo export files for every platform, plus manifest.json listing what to expect."

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=200, help="Data rows per file (days for traffic)")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--out", type=Path, default=None, help="Default: settings.ERP_INBOX_DIR")
        parser.add_argument("--only", nargs="+", action="extend", choices=DEMO_FILE_KEYS, metavar="KEY",
                            help=f"Only these files: {', '.join(DEMO_FILE_KEYS)}")

    def handle(self, *args, rows: int, seed: int, out: Path | None, only: list[str] | None, **options):
        out_dir = out or Path(settings.ERP_INBOX_DIR)
        files = demo_exports_write(out_dir=out_dir, rows=rows, seed=seed, only=only)
        for file in files:
            self.stdout.write(self.describe(file))
        self.stdout.write(f"manifest: {out_dir / MANIFEST_NAME}")

    @staticmethod
    def describe(file: DemoFile) -> str:
        expected = file.expected
        return (f"{file.path}  rows={file.rows} ingested={expected['ingested']} "
                f"quarantined={expected['quarantined']} skipped={expected['skipped']}")
