#!/usr/bin/env bash
# Runs danihodovic's celery-exporter (prometheus-exporter-celery, in its own venv) beside the workers:
# the systemd unit, the compose service and the tests start it through this script. Its options are CE_*
# environment variables (click's auto_envvar_prefix, as in the upstream image); the defaults set here are
# this project's and can be overridden the same way.
set -euo pipefail
cd "$(dirname "$0")/.."
# The exporter is a plain Celery client: without this, Celery looks for a Django it does not have.
unset DJANGO_SETTINGS_MODULE

export CE_BROKER_URL="${CE_BROKER_URL:-${CELERY_BROKER_URL:?set CELERY_BROKER_URL (or CE_BROKER_URL)}}"
export CE_PORT="${CE_PORT:-9808}"
# Run-time buckets in seconds up to past the 1800 s hard limit: the default ones stop at 10 s, where a
# "p95 above 30 minutes" alert could never fire.
export CE_BUCKETS="${CE_BUCKETS:-0.1,0.5,1,2.5,5,10,30,60,120,300,600,900,1200,1500,1800,2400,3600}"
# Workers send a heartbeat every 2 s: 30 s of silence marks one down, well inside the 2-minute alert.
export CE_WORKER_TIMEOUT="${CE_WORKER_TIMEOUT:-30}"
# A dead worker's series stay (at 0) this long, so its alert holds; then they are dropped.
export CE_PURGE_OFFLINE_WORKER_METRICS="${CE_PURGE_OFFLINE_WORKER_METRICS:-3600}"
# Keep running through a broker restart instead of exiting.
export CE_RETRY_INTERVAL="${CE_RETRY_INTERVAL:-5}"
# Queue gauges from the start, before any worker consumed the queue.
export CE_QUEUES="${CE_QUEUES:-data_sync,data_processing,scheduled}"

exec "${EXPORTER_PYTHON:-.venv-exporter/bin/python}" -c 'from src.cli import cli; cli(auto_envvar_prefix="CE")' "$@"
