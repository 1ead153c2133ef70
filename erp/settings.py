"""The one settings module. Everything that differs between machines comes from the environment
(documented in deploy/env.example); with nothing set it runs the embedded default under var/."""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

VAR_DIR = Path(env.str("ERP_VAR_DIR", default=str(BASE_DIR / "var")))

# The embedded default (SQLite, filesystem broker, database cache) is used for whatever of
# DATABASE_URL / CELERY_BROKER_URL / REDIS_URL is not set.
EMBEDDED_DATABASE = "DATABASE_URL" not in env
EMBEDDED_BROKER = "CELERY_BROKER_URL" not in env
EMBEDDED_CACHE = "REDIS_URL" not in env

DEBUG = env.bool("DJANGO_DEBUG", default=EMBEDDED_DATABASE)
# A secret is required in production; the embedded default is a local sandbox and gets a fixed one.
SECRET_KEY = env.str("DJANGO_SECRET_KEY") if not EMBEDDED_DATABASE else env.str(
    "DJANGO_SECRET_KEY", default="embedded-default-not-for-production"
)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "django_celery_results",
    "django_celery_beat",
    "sync",
    "ratelimit",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After the locale (a 429 speaks the caller's language) and the session user.
    "ratelimit.middleware.RateLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "erp.urls"
WSGI_APPLICATION = "erp.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

if EMBEDDED_DATABASE:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "erp.sqlite3",
            "OPTIONS": {
                # WAL lets web, worker and beat read while one of them writes; the busy timeout
                # (seconds) makes a writer wait for the lock instead of failing with "database is locked".
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
            },
        }
    }
else:
    DATABASES = {"default": env.db("DATABASE_URL")}
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if "TEST" not in DATABASES["default"] and env.str("DATABASE_TEST_NAME", default=""):
        DATABASES["default"]["TEST"] = {"NAME": env.str("DATABASE_TEST_NAME")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

if EMBEDDED_CACHE:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "erp_cache",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": env.str("REDIS_URL"),
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default=""),
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 2, "SOCKET_TIMEOUT": 2},
        }
    }

# Rate-limit counters need an atomic increment: Redis, or in the embedded default (one web process)
# this process's memory; never DatabaseCache. Short timeouts: a dead Redis must not slow requests down.
if EMBEDDED_CACHE:
    CACHES["ratelimit"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ratelimit"}
else:
    CACHES["ratelimit"] = {
        **CACHES["default"],
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.25, "SOCKET_TIMEOUT": 0.25},
    }

# A cache outage degrades to misses (logged) instead of failing requests; the quota, which needs Redis
# to be exact, talks to it directly and falls back to the database on its own.
DJANGO_REDIS_IGNORE_EXCEPTIONS = True
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Accept-Language picks English or Simplified Chinese for API messages and the admin; codes stay English.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Times are stored in UTC (USE_TZ) and shown in the admin in this zone. Seed 004's Asia/Shanghai: most staff
# work in UTC+8; where they work in UTC+7 set DJANGO_TIME_ZONE=Asia/Bangkok (README, "Seed parity").
# Business dates never read it: they come from each shop's zone (PlatformAccount.timezone,
# ERP_DEFAULT_SHOP_TIMEZONE), so changing it changes what the admin shows, not what is stored.
TIME_ZONE = env.str("DJANGO_TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("ERP_MEDIA_DIR", default=str(VAR_DIR / "media")))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Reuses the rate-limit middleware's answer, and remembers a token for API_TOKEN_CACHE_S.
        "ratelimit.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["erp.api.envelope.EnvelopeRenderer", "rest_framework.renderers.BrowsableAPIRenderer"],
    "EXCEPTION_HANDLER": "erp.api.exceptions.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "ERP data sync API",
    "DESCRIPTION": "Sync platform export files into the ERP. Every answer is enveloped: "
                   '{"success", "data", "message"} or {"success": false, "message", "error"}.',
    "VERSION": "1.0.0",
    # 3.1 writes nullable fields as JSON Schema types, so the tests validate responses with jsonschema.
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Both models have a "status" with other values: name their enums apart.
    "ENUM_NAME_OVERRIDES": {"TaskStatusEnum": "sync.models.TaskStatus", "FileStatusEnum": "sync.models.FileStatus"},
    # The docs and the schema are public (DESIGN.md 7); everything else needs a login.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                             "erp.api.schema.document_request_line_limit"],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# --- The file sync -------------------------------------------------------------------------

ERP_INBOX_DIR = Path(env.str("ERP_INBOX_DIR", default=str(VAR_DIR / "inbox"))).resolve()
ERP_MAX_FILE_BYTES = env.int("ERP_MAX_FILE_BYTES", default=512 * 1024 * 1024)
# An xlsx is a zip: refuse it before reading when it would inflate beyond this or by more than this ratio.
ERP_MAX_UNCOMPRESSED_BYTES = env.int("ERP_MAX_UNCOMPRESSED_BYTES", default=2 * 1024 * 1024 * 1024)
ERP_MAX_COMPRESSION_RATIO = env.int("ERP_MAX_COMPRESSION_RATIO", default=100)
# What reading one workbook sheet may hold in memory: a sheet whose inflated XML would need more is refused.
ERP_WORKBOOK_MEMORY_BYTES = env.int("ERP_WORKBOOK_MEMORY_BYTES", default=1024 * 1024 * 1024)
ERP_DEFAULT_SHOP_TIMEZONE = env.str("ERP_DEFAULT_SHOP_TIMEZONE", default="Asia/Shanghai")
MAX_TASKS_PER_USER = env.int("MAX_TASKS_PER_USER", default=10)
# A running task refreshes its heartbeat this often (seconds); one silent for STALE seconds is taken
# over by recovery (its worker died). Stale must exceed the interval by a wide margin.
ERP_HEARTBEAT_INTERVAL_S = env.float("ERP_HEARTBEAT_INTERVAL_S", default=10.0)
ERP_HEARTBEAT_STALE_S = env.float("ERP_HEARTBEAT_STALE_S", default=120.0)
# A task the broker accepted this many seconds ago and that has not started is looked for in the broker,
# and published again when the broker no longer holds it (a Redis restarted empty, a failover, a purge).
ERP_REPUBLISH_AFTER_S = env.float("ERP_REPUBLISH_AFTER_S", default=30.0)
# Finished tasks (and their results) older than this many days are removed by the daily cleanup.
ERP_TASK_RETENTION_DAYS = env.int("ERP_TASK_RETENTION_DAYS", default=90)
# Change sets (what each file's sync did, kept to roll it back) older than this many days are pruned
# daily; a file whose change sets are gone can no longer be rolled back.
ERP_CHANGE_SET_RETENTION_DAYS = env.int("ERP_CHANGE_SET_RETENTION_DAYS", default=30)
# Sync tasks that run at once across all workers; the queue-position estimate divides by it. Two: one
# data_sync worker at concurrency 2, not the seeds' 4 (README, "Seed parity").
ERP_SYNC_WORKER_SLOTS = env.int("ERP_SYNC_WORKER_SLOTS", default=2)
# Fair share (sync/services/fair_share.py): the database hands the broker only as many tasks as there are
# worker slots (ERP_SYNC_WORKER_SLOTS), the next slot to the user furthest below their weighted share,
# and a batch over its share yields at a file boundary. Off: every task is published at once, taken by
# priority then age (the order before issue 19).
ERP_FAIR_SHARE = env.bool("ERP_FAIR_SHARE", default=True)
ERP_FAIR_SHARE_WEIGHTS = {"admin": env.float("ERP_FAIR_SHARE_WEIGHT_ADMIN", default=3.0),
                          "premium": env.float("ERP_FAIR_SHARE_WEIGHT_PREMIUM", default=2.0),
                          "normal": env.float("ERP_FAIR_SHARE_WEIGHT_NORMAL", default=1.0)}
# A batch spreads its files over free worker slots, up to this many at once (the predecessor's 10), when
# nobody waits for a slot (sync/services/batch_parts.py; needs fair share, which counts the slots). 1: a
# batch syncs its files one after another in one slot.
ERP_BATCH_MAX_PARALLEL = env.int("ERP_BATCH_MAX_PARALLEL", default=10)
# A delivery that ends a small single-file task goes on with its owner's next small single-file tasks,
# this many in all, while no other user waits: their files are read and prepared together
# (sync/services/small_tasks.py; needs fair share). 1: each task in a delivery of its own.
ERP_SMALL_TASKS_PER_DELIVERY = env.int("ERP_SMALL_TASKS_PER_DELIVERY", default=50)

# Seconds a process trusts a token it has looked up; a deleted token or deactivated user stops working
# within this time everywhere (ratelimit/authentication.py).
API_TOKEN_CACHE_S = env.float("API_TOKEN_CACHE_S", default=5.0)

# --- Rate limits (ratelimit/, DESIGN.md 8; the seed's tiers and endpoint limits) ---------------

RATE_LIMIT_ENABLED = env.bool("RATE_LIMIT_ENABLED", default=True)
# Requests per minute per caller, by role tier and path group. An operator overrides them per user in
# the admin (RateLimitOverride).
RATE_LIMIT_TIERS = {
    "admin": {"default": 200, "data_sync": 100, "auth": 20},
    "premium": {"default": 100, "data_sync": 50, "auth": 10},
    "normal": {"default": 60, "data_sync": 30, "auth": 5},
    "anonymous": {"default": 30, "data_sync": 10, "auth": 3},
}
# Path prefixes of each group; any other path under /api/ is "default".
RATE_LIMIT_GROUPS = {
    "auth": ("/api/auth/",),
    "data_sync": ("/api/data-sync/", "/api/sync-tasks/", "/api/catalog-files/"),
}
# Per caller, on top of the tier: POSTs to these paths, per minute.
RATE_LIMIT_ENDPOINTS = {
    "/api/data-sync/single": 10,
    "/api/data-sync/batch": 5,
    "/api/data-sync/batch-by-ids": 5,
    "/api/data-sync/batch-all": 3,
}
# The client address is read from X-Real-IP / X-Forwarded-For only when the request comes from one of
# these addresses or networks (the nginx in front); otherwise it is the socket's peer.
RATE_LIMIT_TRUSTED_PROXIES = env.list("RATE_LIMIT_TRUSTED_PROXIES", default=["127.0.0.1", "::1"])
# A process keeps a user's tier and limits this long; an operator's change reaches every process within it.
RATE_LIMIT_CALLER_LOCAL_S = env.float("RATE_LIMIT_CALLER_LOCAL_S", default=5.0)
# With Redis unreachable, requests are served unlimited (fail open) and Redis is tried again after this.
RATE_LIMIT_RETRY_S = env.float("RATE_LIMIT_RETRY_S", default=5.0)
# 429 events kept for the stats, events and anomaly endpoints: this many hours, at most this many rows.
RATE_LIMIT_EVENT_RETENTION_HOURS = env.int("RATE_LIMIT_EVENT_RETENTION_HOURS", default=72)
RATE_LIMIT_EVENT_MAX_ROWS = env.int("RATE_LIMIT_EVENT_MAX_ROWS", default=100_000)
# Anomalies: a key refused this many times in the window, or one that tried this many times its limit.
RATE_LIMIT_ANOMALY_REPEATED = env.int("RATE_LIMIT_ANOMALY_REPEATED", default=10)
RATE_LIMIT_ANOMALY_FACTOR = env.float("RATE_LIMIT_ANOMALY_FACTOR", default=2.0)
# django-ratelimit: which cache counts, and a failed count lets the request through (we log it).
RATELIMIT_USE_CACHE = "ratelimit"
RATELIMIT_FAIL_OPEN = True

# --- Celery (the app lives in erp/celery.py; names below are read with namespace "CELERY") ---

# kombu warns when the URL names no host, though the filesystem transport has none.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://localhost//")
if EMBEDDED_BROKER:
    _broker_dir = VAR_DIR / "broker"
    # kombu's filesystem transport does not create its folders.
    for _folder in ("out", "processed", "control"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "out"),
        "data_folder_out": str(_broker_dir / "out"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Above the hard time limit, so a running task's unacked message is not redelivered to a
        # second worker while the first is still within its limit (Redis transport).
        "visibility_timeout": 1800 + 600,
        # Redis has no priorities: kombu keeps one list per step and reads 0 first. Ten steps carry our
        # 1-10 scale one to one (sync/services/priority.py maps it).
        "priority_steps": list(range(10)),
        "sep": ":",
        "queue_order_strategy": "priority",
        # A dead broker must fail a publish in about a second, not hang the request.
        "socket_connect_timeout": 1,
        "socket_timeout": 5,
    }
# Connect timeout in seconds for publishing and consuming (RabbitMQ and Redis).
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# Results live in the database, so they survive a broker flush and the admin can show them.
CELERY_RESULT_BACKEND = "django-db"
# Store task name, args and worker with each result (the API's task detail shows them).
CELERY_RESULT_EXTENDED = True
# Results are kept a day, then the beat cleanup removes them. Not seed 004's hour: that spared Redis memory,
# ours are rows in PostgreSQL; and once a result expires, task-status reports the finished task's Celery
# state as PENDING with no result, so an hour would lose a night's results (README, "Seed parity").
CELERY_RESULT_EXPIRES = env.int("CELERY_RESULT_EXPIRES", default=24 * 3600)
# JSON only: a pickled message from a compromised broker would run code in the worker.
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Acknowledge after the task ran, and put the message back when the worker process dies,
# so a crash mid-file re-delivers the work instead of losing it (ingestion is idempotent).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# One message at a time per process: prefetching would hold waiting work out of priority order.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Seed 004: a pool process is replaced after 1000 tasks (between tasks, never during one), so memory a
# long-lived process keeps after large files (allocator fragmentation, library caches) is given back.
CELERY_WORKER_MAX_TASKS_PER_CHILD = env.int("CELERY_WORKER_MAX_TASKS_PER_CHILD", default=1000)
# A delivery that runs past 25 minutes stops (seed numbers): the file it was syncing is rolled back and
# fails as timed out, and the files left go back to the queue for a delivery with a limit of its own. At
# 30 minutes a delivery stuck where Python cannot interrupt it is killed (recovery takes its task over).
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=1500)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=1800)
# The STARTED state tells the API a task left the queue (the sync tasks: their own row says so, sync/tasks.py).
CELERY_TASK_TRACK_STARTED = True
CELERY_TASK_DEFAULT_QUEUE = "data_sync"
CELERY_TASK_ROUTES = {
    "sync.tasks.sync_single_file": {"queue": "data_sync"},
    "sync.tasks.sync_batch": {"queue": "data_sync"},
    "sync.tasks.extract_product_images": {"queue": "data_processing"},
    "sync.tasks.scan_inbox": {"queue": "scheduled"},
    "sync.tasks.reconcile_quotas": {"queue": "scheduled"},
    "sync.tasks.dispatch_deferred": {"queue": "scheduled"},
    "sync.tasks.recover_stalled": {"queue": "scheduled"},
    "sync.tasks.cleanup_old_tasks": {"queue": "scheduled"},
    "sync.tasks.prune_change_sets": {"queue": "scheduled"},
    "ratelimit.tasks.trim_rate_limit_events": {"queue": "scheduled"},
}
CELERY_TASK_QUEUE_MAX_PRIORITY = 10
CELERY_TASK_DEFAULT_PRIORITY = 5
# Exactly one beat schedules at a time (erp/beat.py); more may run as stand-bys.
CELERY_BEAT_SCHEDULER = "erp.beat:SingleBeatScheduler"
# Seed 004: Celery's clock in the staff's zone with UTC on the wire. Only crontab schedules read it (none of
# ours; every beat job is an interval): a crontab an operator adds in the admin means local time.
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# --- The cache layer (cache/, DESIGN.md 9) ---------------------------------------------------------

INSTALLED_APPS += ["cache"]
# The cache layer's own alias on the same store: "default" swallows Redis errors (above), but the cache
# layer must see them to skip the dead store for a while and log one warning instead of a traceback
# per call. On the embedded default it is the same database table.
ERP_CACHE_ALIAS = "erp"
CACHES[ERP_CACHE_ALIAS] = {
    **CACHES["default"],
    "OPTIONS": {**CACHES["default"].get("OPTIONS", {}), **({} if EMBEDDED_CACHE else {"IGNORE_EXCEPTIONS": False})},
}
# Seconds a cached read lives per cache type (seed: accounts and component versions 5 minutes); a change
# to the underlying rows invalidates at once, so the TTL only bounds what an outage could leave stale.
ERP_CACHE_TTL_S = {
    "accounts": env.int("ERP_CACHE_TTL_ACCOUNTS_S", default=300),
    "account_stats": env.int("ERP_CACHE_TTL_ACCOUNT_STATS_S", default=300),
    "component_versions": env.int("ERP_CACHE_TTL_COMPONENT_VERSIONS_S", default=300),
}
CELERY_TASK_ROUTES["cache.tasks.warm_cache"] = {"queue": "scheduled"}

# --- Monitoring and production hardening (issue 9; DESIGN.md 10) -------------------------------

INSTALLED_APPS += ["django_prometheus"]
# The pair must wrap every other middleware, so a request is timed and counted whatever answers it.
MIDDLEWARE = ["django_prometheus.middleware.PrometheusBeforeMiddleware", *MIDDLEWARE,
              "django_prometheus.middleware.PrometheusAfterMiddleware"]
# django-prometheus would query the migration tables in every process at start: not wanted.
PROMETHEUS_EXPORT_MIGRATIONS = False
# Addresses or networks (CIDR) allowed to read /metrics; empty: anyone (it needs no login).
METRICS_ALLOWED_NETWORKS = env.list("METRICS_ALLOWED_NETWORKS", default=[])
# Dotted paths of extra prometheus_client collectors that /metrics registers on each scrape
# (a class or a factory called with no argument): how each app adds its own.
METRICS_COLLECTORS = ["sync.metrics.SyncCollector", "cache.metrics.CacheStatsCollector"]
# A worker serves its counters (rows ingested, file sync time) on this port; 0: not served.
ERP_WORKER_METRICS_PORT = env.int("ERP_WORKER_METRICS_PORT", default=0)
ERP_WORKER_METRICS_ADDR = env.str("ERP_WORKER_METRICS_ADDR", default="0.0.0.0")

# The celery exporter counts tasks from the workers' events: send them, including "sent" at publish.
CELERY_WORKER_SEND_TASK_EVENTS = True
CELERY_TASK_SEND_SENT_EVENT = True

# Served over HTTPS behind the proxy (nginx terminates TLS and sets X-Forwarded-Proto): secure cookies,
# HSTS and the redirect to https. Off by default, since the tests and `make run` speak plain HTTP.
DJANGO_HTTPS = env.bool("DJANGO_HTTPS", default=False)
if DJANGO_HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    # Probes and Prometheus call the web service directly over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("DJANGO_HSTS_PRELOAD", default=True)
    CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[f"https://{h}" for h in ALLOWED_HOSTS])

# --- The operator's console (issue 18): landing page, offline API docs, dashboard, audit trail ----------

# Swagger UI and ReDoc from drf-spectacular-sidecar's static files: the docs load on an intranet with no CDN.
INSTALLED_APPS += ["drf_spectacular_sidecar", "auditlog", "erp.audit"]
# Django's admin with the operations dashboard added (erp/admin_site.py).
INSTALLED_APPS[INSTALLED_APPS.index("django.contrib.admin")] = "erp.admin_site.ErpAdminConfig"
SPECTACULAR_SETTINGS.update({"SWAGGER_UI_DIST": "SIDECAR", "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
                             "REDOC_DIST": "SIDECAR"})
# The audit trail's enums named apart from any other "source" or "action" of the API.
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update({
    "AuditSourceEnum": "erp.audit.context.AuditSource", "AuditOperationEnum": "erp.audit.models.AuditOperation",
    "AuditActionEnum": [(0, "create"), (1, "update"), (2, "delete"), (3, "access")]})  # django-auditlog's
# The project's own templates (landing page, admin overrides such as the dashboard link on the index).
TEMPLATES[0]["DIRS"] = [BASE_DIR / "erp" / "templates"]
# After the session user (and, for the API, DRF sets the token user on the same request): every audit
# record written while a request runs names its actor, its address and its source (api or admin).
MIDDLEWARE.insert(MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
                  "erp.audit.middleware.AuditContextMiddleware")
# django-auditlog writes model history into our record, which adds the source and the operation name.
AUDITLOG_LOGENTRY_MODEL = "audit.AuditRecord"
# Its own log entry table would stay empty (swapped for ours) and, made by its migrations, is one Django's
# flush does not know of; without migrations the app creates no table at all.
MIGRATION_MODULES = {"auditlog": None}
# Before/after as JSON values (not their string forms), so the API and the tests compare real values.
AUDITLOG_STORE_JSON_CHANGES = True
# Audit records older than this many days are removed by the daily beat job "trim audit log".
ERP_AUDIT_RETENTION_DAYS = env.int("ERP_AUDIT_RETENTION_DAYS", default=365)
CELERY_TASK_ROUTES["audit.tasks.trim_audit_log"] = {"queue": "scheduled"}
# Seconds the dashboard's figures are reused: a page refresh storm costs one computation.
ERP_DASHBOARD_CACHE_S = env.int("ERP_DASHBOARD_CACHE_S", default=15)
# The console's stylesheet (erp/ is the project, not an app, so its static folder is named here).
STATICFILES_DIRS = [BASE_DIR / "erp" / "static"]

# --- The predecessor's clients: JWT login, CSRF, health, polling (issue 15; PREDECESSOR_API.md) ---------

from datetime import timedelta  # noqa: E402 - kept with the block that needs it

INSTALLED_APPS += ["rest_framework_simplejwt", "rest_framework_simplejwt.token_blacklist"]
# Every response carries X-Request-ID (the caller's, echoed); first, so even a 429 or a 404 has one.
MIDDLEWARE.insert(1, "erp.api.request_id.RequestIdMiddleware")
# The predecessor's lifetimes: access 60 minutes, refresh 7 days; HS256 signed with SECRET_KEY.
JWT_ACCESS_TOKEN_MINUTES = env.int("JWT_ACCESS_TOKEN_MINUTES", default=60)
JWT_REFRESH_TOKEN_DAYS = env.int("JWT_REFRESH_TOKEN_DAYS", default=7)
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=JWT_ACCESS_TOKEN_MINUTES),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=JWT_REFRESH_TOKEN_DAYS),
    # Each refresh hands out a new refresh token and blacklists the old one (token_blacklist app).
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "ALGORITHM": "HS256",
    "SIGNING_KEY": SECRET_KEY,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "USER_ID_CLAIM": "user_id",
}
# The auth cookies are Secure over HTTPS (always with DJANGO_HTTPS, as nginx terminates TLS).
JWT_COOKIE_SECURE = DJANGO_HTTPS
# The predecessor's lockout: this many failed logins in a row lock the username for this long, and end
# every session of the user. Counted in the cache (Redis in production).
AUTH_MAX_FAILED_ATTEMPTS = env.int("AUTH_MAX_FAILED_ATTEMPTS", default=5)
AUTH_LOCKOUT_MINUTES = env.int("AUTH_LOCKOUT_MINUTES", default=30)
# The front end sends the csrf_token cookie's value as X-CSRF-Token on cookie-authenticated writes;
# Django's CSRF check reads these names (the admin's forms are unaffected: they post the form field).
CSRF_COOKIE_NAME = "csrf_token"
CSRF_HEADER_NAME = "HTTP_X_CSRF_TOKEN"
# Health where the predecessor's clients look (/health, /healthz/live, /healthz/ready and /api/ variants).
ERP_SERVICE_NAME = "erp-data-sync"
ERP_SERVICE_VERSION = SPECTACULAR_SETTINGS["VERSION"]
ERP_DEPLOYMENT_ROLE = "web"
if DJANGO_HTTPS:
    SECURE_REDIRECT_EXEMPT += [r"^health$", r"^api/health$", r"^(api/)?healthz/(live|ready)$"]
# Polling: reads of a task's progress or status and the lists the page refreshes count in their own group,
# never in the data_sync allowance that submissions spend. Sized for one poll every 2 s of each of the
# MAX_TASKS_PER_USER tasks a user may have, plus the history every 10 s and a page of files a minute.
RATE_LIMIT_POLLING_PER_MINUTE = 30 * MAX_TASKS_PER_USER + 60
for _tier in RATE_LIMIT_TIERS.values():
    _tier.setdefault("polling", RATE_LIMIT_POLLING_PER_MINUTE)
RATE_LIMIT_TIERS["anonymous"]["polling"] = 60  # an anonymous poll is answered 401 anyway
RATE_LIMIT_GROUPS = {
    "polling": ("/api/data-sync/progress/", "/api/data-sync/task-status/", "/api/data-sync/tasks",
                "/api/data-sync/files", "/api/data-sync/governance/"),
    **RATE_LIMIT_GROUPS,
}
# A group listed here counts only these methods; other requests to its paths fall to the next group.
RATE_LIMIT_GROUP_METHODS = {"polling": ("GET", "HEAD", "OPTIONS")}
