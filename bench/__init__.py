"""The ingest benchmark (`make bench`, bench/ingest.py) and its helpers: environment and cached files
(environment), the bare floor pipeline (floor), the django-import-export baseline (import_export_baseline),
child processes (child) and the printed table (report)."""
