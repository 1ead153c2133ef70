"""`manage.py sync_task cancel|retry TASK_ID`: the operators' actions from a shell, through the same
services as the API and the admin (and recorded in the audit trail as coming from a command)."""

from django.core.management.base import BaseCommand, CommandError

from erp.audit.context import command_context
from erp.errors import ApplicationError
from sync.models import SyncProgressTask
from sync.services.task_lifecycle import sync_task_cancel, sync_task_retry


class Command(BaseCommand):
    help = "Cancel or retry one sync task by its task_id."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=("cancel", "retry"))
        parser.add_argument("task_id")
        parser.add_argument("--all-files", action="store_true", help="retry: sync the ingested files again too")

    def handle(self, *args, **options):
        try:
            task = SyncProgressTask.objects.get(task_id=options["task_id"])
        except SyncProgressTask.DoesNotExist:
            raise CommandError(f"no task {options['task_id']}") from None
        try:
            with command_context():
                if options["action"] == "cancel":
                    task = sync_task_cancel(task=task)
                else:
                    task = sync_task_retry(task=task, all_files=options["all_files"])
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"task {task.task_id}: {task.status}")
