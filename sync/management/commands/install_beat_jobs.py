from django.core.management.base import BaseCommand

from erp.beat_jobs import beat_jobs_install


class Command(BaseCommand):
    help = "Create or update the beat jobs declared in erp/beat_jobs.py."

    def handle(self, *args, **options):
        self.stdout.write(self.style.SUCCESS(f"{beat_jobs_install()} beat jobs installed"))
