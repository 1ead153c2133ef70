from django.core.management.base import BaseCommand

from sync.services.dispatch import sync_tasks_dispatch_deferred, sync_tasks_recover_stalled
from sync.services.quota import quota_reconcile


class Command(BaseCommand):
    help = "What the beat jobs do, on demand: requeue stalled tasks, dispatch undispatched ones, reconcile quotas."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="only say what would be done")

    def handle(self, *args, dry_run: bool, **options):
        stalled = sync_tasks_recover_stalled(dry_run=dry_run)
        verb = "would requeue" if dry_run else "requeued"
        self.stdout.write(f"stalled tasks {verb}: {len(stalled)}" + (f"  {', '.join(stalled)}" if stalled else ""))
        if dry_run:
            return
        dispatched = sync_tasks_dispatch_deferred(grace_s=0)
        self.stdout.write(f"undispatched tasks sent: {dispatched['sent']}"
                          + ("  (broker still down)" if dispatched["broker_down"] else ""))
        self.stdout.write(f"quota slots reconciled: {quota_reconcile()}")
