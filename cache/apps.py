from django.apps import AppConfig


class CacheConfig(AppConfig):
    name = "cache"
    verbose_name = "Cache layer"

    def ready(self):
        from cache import signals  # noqa: F401  (connects the invalidation receivers)
