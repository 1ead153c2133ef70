#!/usr/bin/env bash
# `make run`: set up the embedded default (SQLite, filesystem broker, database cache under var/),
# write and catalog demo exports, then run web, worker and beat in this terminal. Ctrl-C stops all.
set -euo pipefail
cd "$(dirname "$0")/.."
unset DATABASE_URL CELERY_BROKER_URL REDIS_URL
PY=.venv/bin/python
PORT=${PORT:-8000}

$PY manage.py migrate --noinput -v0
$PY manage.py createcachetable
$PY manage.py install_beat_jobs
# The demo operator logs in to the admin with a password made here and printed once; it is kept in
# var/ (the embedded default's sandbox) so a second `make run` prints the same one. Production has no
# demo user and no default password: operators are made with create_api_user --password.
PASSWORD_FILE=${ERP_VAR_DIR:-var}/demo-password
mkdir -p "$(dirname "$PASSWORD_FILE")"
if [ ! -s "$PASSWORD_FILE" ]; then
  (umask 077; $PY -c 'import secrets; print(secrets.token_urlsafe(12))' > "$PASSWORD_FILE")
fi
PASSWORD=$(cat "$PASSWORD_FILE")
TOKEN=$($PY manage.py create_api_user demo --role admin --password "$PASSWORD")
$PY manage.py make_demo_exports --rows "${DEMO_ROWS:-200}" --seed 1 >/dev/null
$PY manage.py scan_inbox

cat <<MSG

  Web:    http://127.0.0.1:$PORT/   (start page: admin, operations dashboard, audit trail, API docs)
  Admin:  http://127.0.0.1:$PORT/admin/   user: demo   password: $PASSWORD
  API token of user 'demo': $TOKEN
  Sync the demo files:   make sync-demo      Show the result:   make show-demo
  Ctrl-C stops web, worker and beat.

MSG

$PY manage.py runserver "127.0.0.1:$PORT" --noreload &
WEB=$!
$PY -m celery -A erp worker -Q data_sync,data_processing,scheduled -c 2 --loglevel INFO &
WORKER=$!
$PY -m celery -A erp beat --loglevel INFO --schedule var/celerybeat-schedule &
BEAT=$!
# Stop the three main processes only: the worker stops its own pool. A TERM sent straight to pool
# children (kill 0) can leave one dead holding the pool's queue lock, and the worker hangs on shutdown.
trap 'trap - INT TERM EXIT; kill $WEB $WORKER $BEAT 2>/dev/null; wait' INT TERM EXIT
wait -n
