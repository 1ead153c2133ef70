from django.core.management.base import BaseCommand

from cache.warmup import cache_warm


class Command(BaseCommand):
    help = "Fill the hot cache keys (accounts, account stats, component versions); run after a deploy."

    def handle(self, *args, **options):
        warmed = cache_warm()
        summary = ", ".join(f"{cache_type} {count}" for cache_type, count in warmed.items())
        if not any(warmed.values()):
            self.stderr.write(self.style.WARNING(f"The cache is unavailable: nothing stored ({summary})."))
            return
        self.stdout.write(self.style.SUCCESS(f"Keys stored per cache type: {summary}."))
