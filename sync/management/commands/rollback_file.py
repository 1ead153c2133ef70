from django.core.management.base import BaseCommand, CommandError

from erp.errors import ApplicationError
from sync.services.rollback import file_rollback


class Command(BaseCommand):
    help = ("Restore the fact tables to what they were before a file's committed syncs, in one transaction; "
            "refused while later files hold some of its rows, unless --cascade rolls them back first.")

    def add_arguments(self, parser):
        parser.add_argument("file_id", type=int, help="the catalog file's id")
        parser.add_argument("--cascade", action="store_true", help="also roll back the later files, newest first")

    def handle(self, *args, file_id: int, cascade: bool, **options):
        try:
            outcome = file_rollback(file_id=file_id, cascade=cascade)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"rolled back files {', '.join(map(str, outcome.files))}: "
                          f"{outcome.rows_deleted} inserted rows deleted, {outcome.rows_restored} rows restored")
