from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from sync.services.catalog import catalog_scan


class Command(BaseCommand):
    help = "Catalog the export files in the inbox (new, changed and duplicate files)."

    def add_arguments(self, parser):
        parser.add_argument("--inbox", default=str(settings.ERP_INBOX_DIR), help="default: ERP_INBOX_DIR")

    def handle(self, *args, **options):
        report = catalog_scan(inbox=Path(options["inbox"]))
        for path in report.duplicates:
            self.stdout.write(f"duplicate (skipped): {path}")
        for path in report.unrecognised:
            self.stdout.write(self.style.WARNING(f"no platform/domain in path: {path}"))
        self.stdout.write(self.style.SUCCESS(report.summary()))
