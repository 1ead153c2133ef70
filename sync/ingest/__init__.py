"""The sync engine: reads one export file, normalises and validates its rows, upserts them. It imports
no Celery, no HTTP and no broker; services call it, and it reports through plain counters."""
