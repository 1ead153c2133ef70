from django.core.management.base import BaseCommand

from sync.services.queues import queue_report


class Command(BaseCommand):
    help = "Broker depth per queue (and per priority on Redis), running, stalled and undispatched tasks."

    def handle(self, *args, **options):
        report = queue_report()
        for queue, depth in report.depth.items():
            steps = report.redis_depth_by_step.get(queue)
            by_step = ", ".join(f"p{10 - step}: {n}" for step, n in steps.items() if n) if steps else ""
            self.stdout.write(f"queue {queue:16} {depth}{f'  ({by_step})' if by_step else ''}")
        by_priority = ", ".join(f"p{p}: {n}" for p, n in report.queued_by_priority.items()) or "none"
        self.stdout.write(f"queued tasks by priority: {by_priority}")
        for label, ids in (("running", report.running), ("stalled", report.stalled),
                           ("undispatched", report.undispatched)):
            self.stdout.write(f"{label}: {len(ids)}" + (f"  {', '.join(ids[:10])}" if ids else ""))
