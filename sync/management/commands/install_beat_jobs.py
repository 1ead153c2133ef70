from django.core.management.base import BaseCommand

from sync.services.beat import beat_jobs_install


class Command(BaseCommand):
    help = "Create or update the beat jobs declared in sync/beat.py."

    def handle(self, *args, **options):
        self.stdout.write(self.style.SUCCESS(f"{beat_jobs_install()} beat jobs installed"))
