"""Signals the sync sends about its own rows. Bulk writes (queryset.update) send no post_save, so the
services that make them send rows_changed instead; the cache layer listens to both."""

from django.dispatch import Signal

# sender: the model class whose rows changed in bulk.
rows_changed = Signal()
