import signal
import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from erp.audit.context import command_context
from sync.ingest.engine import SyncOptions
from sync.models import CatalogFile, FileStatus, TaskType
from sync.services.file_runs import catalog_file_hold_for_shell, catalog_file_release, file_run
from sync.services.previews import file_preview
from sync.services.priority import SCHEDULED_PRIORITY
from sync.services.quality import quality_check
from sync.services.task_lifecycle import sync_task_create


class Command(BaseCommand):
    help = "Sync pending catalog files here in the shell (progress bar), or --enqueue them for the workers."
    # An operational command run by cron and scripts: `manage.py check` and deploys run the system checks,
    # which cost each run of this one about 0.2 s (issue 16's whole-process time).
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("file_ids", nargs="*", type=int, help="default: every pending file")
        parser.add_argument("--platform")
        parser.add_argument("--domain")
        parser.add_argument("--limit", type=int)
        parser.add_argument("--enqueue", action="store_true", help="submit one batch task to the workers")
        parser.add_argument("--priority", type=int, choices=range(1, 11),
                            help=f"1-10, 10 highest (default {SCHEDULED_PRIORITY}: shell work yields to users)")
        parser.add_argument("--no-quarantine", action="store_true", help="fail a file with any invalid row")
        parser.add_argument("--any-template", action="store_true",
                            help="a file without a template fails instead of being skipped")
        parser.add_argument("--reread", action="store_true",
                            help="read each file even when nothing changed since its last successful sync")
        parser.add_argument("--dry-run", action="store_true",
                            help="preview each file: run its sync, write nothing, and keep what it would write "
                                 "for approval (API or admin)")

    def handle(self, *args, **options):
        files = self.select_files(options)
        if not files:
            raise CommandError("no files to sync (run scan_inbox first, or pass file ids)")
        sync_options = SyncOptions(only_with_template=not options["any_template"],
                                   allow_quarantine=not options["no_quarantine"])
        if options["dry_run"]:
            self.preview(files)
        elif options["enqueue"]:
            self.enqueue(files, sync_options, options["priority"])
        else:
            self.sync_here(files, sync_options, reread=options["reread"])

    def select_files(self, options) -> list[CatalogFile]:
        if options["file_ids"]:
            files = CatalogFile.objects.filter(pk__in=options["file_ids"])
        else:
            files = CatalogFile.objects.filter(status=FileStatus.PENDING)
        if options["platform"]:
            files = files.filter(platform_code=options["platform"])
        if options["domain"]:
            files = files.filter(data_domain=options["domain"])
        return list(files.order_by("id")[: options["limit"]])

    def preview(self, files):
        for file in files:
            preview = file_preview(file_id=file.pk)
            self.stdout.write(
                f"preview {preview.pk} of {file.file_name}: {preview.rows_new} new, {preview.rows_changed} changed, "
                f"{preview.rows_unchanged} unchanged, {preview.rows_quarantined} quarantined, "
                f"{preview.rows_skipped} skipped ({preview.result.get('status')}"
                + (f": {preview.result['error']}" if preview.result.get("error") else "") + ")")

    def enqueue(self, files, sync_options, priority):
        task_type = TaskType.SINGLE_FILE if len(files) == 1 else TaskType.BATCH_BY_IDS
        with command_context():
            task = sync_task_create(task_type=task_type, file_ids=[f.pk for f in files],
                                    priority=priority or SCHEDULED_PRIORITY,
                                    options=sync_options, parameters={"source": "manage.py sync_files"})
        self.stdout.write(self.style.SUCCESS(f"task {task.task_id}: {len(files)} files queued"))

    def sync_here(self, files, sync_options, *, reread: bool):
        stop = []
        previous = signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
        rows = 0
        started = time.monotonic()
        done = []
        try:
            with tqdm(files, unit="file", dynamic_ncols=True) as bar:
                for file in bar:
                    if stop:
                        self.stdout.write(self.style.WARNING("SIGTERM: stopping after the last whole file"))
                        break
                    bar.set_description(file.file_name[:40])
                    if not catalog_file_hold_for_shell(file=file):
                        bar.write(f"held      {file.file_name}: queued or being synced by a task; left to it",
                                  file=self.stdout, end="")
                        continue
                    try:
                        result = file_run(file=file, options=sync_options, reread=reread)
                    except BaseException:
                        catalog_file_release(file=file)
                        raise
                    rows += result.rows_read
                    bar.set_postfix(rows_per_s=f"{rows / max(time.monotonic() - started, 1e-6):,.0f}")
                    bar.write(self.describe(result), file=self.stdout, end="")
                    if result.succeeded:
                        done.append(file)
        finally:
            signal.signal(signal.SIGTERM, previous)
        quality = quality_check(files=done) if done else None
        if quality:
            self.stdout.write(f"quality: average score {quality['avg_quality_score']:.2f}")

    @staticmethod
    def describe(result) -> str:
        line = (f"{result.status:9} {result.file_name}: read {result.rows_read}, ingested {result.rows_ingested} "
                f"({result.rows_written} written), quarantined {result.rows_quarantined}, "
                f"skipped {result.rows_skipped}")
        return f"{line} - {result.error}" if result.error else line
