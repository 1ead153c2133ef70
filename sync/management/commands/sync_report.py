from django.core.management.base import BaseCommand

from sync.models import CatalogFile, SyncProgressTask


class Command(BaseCommand):
    help = "Show the catalog's files with their sync status and counts, and the latest tasks."

    def add_arguments(self, parser):
        parser.add_argument("--tasks", type=int, default=5, help="how many recent tasks to show")

    def handle(self, *args, **options):
        self.stdout.write(f"{'status':10} {'read':>8} {'ingested':>8} {'quarant.':>8} {'skipped':>8}  file")
        for file in CatalogFile.objects.order_by("path"):
            self.stdout.write(f"{file.status:10} {file.rows_read:8} {file.rows_ingested:8} "
                              f"{file.rows_quarantined:8} {file.rows_skipped:8}  {file.path}")
            if file.last_error:
                self.stdout.write(f"{'':48}{file.last_error}")
        for task in SyncProgressTask.objects.order_by("-created_at")[: options["tasks"]]:
            self.stdout.write(f"task {task.task_id} {task.task_type} {task.status}: "
                              f"{task.processed_files}/{task.total_files} files, {task.rows_ingested} rows ingested")
