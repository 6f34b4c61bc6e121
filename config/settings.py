"""huizhi settings.

Every environment variable the application reads is declared once in ENV below, with its type
and default, so this table is the whole list of what an operator can set.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

ENV = environ.Env(
    HUIZHI_DEBUG=(bool, False),
    HUIZHI_SECRET_KEY=(str, "insecure-dev-key-change-me-in-production-0123456789abcdef"),
    HUIZHI_ALLOWED_HOSTS=(list, ["127.0.0.1", "localhost", "[::1]", "testserver"]),
    HUIZHI_CSRF_TRUSTED_ORIGINS=(list, []),
    HUIZHI_DATABASE_URL=(str, f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
    # PostgreSQL: a database that does not answer is an error after this long, not a worker held
    # until gunicorn kills it; and a statement running longer than this many ms is cancelled (0:
    # never; set it below gunicorn's timeout for the web servers, deploy/systemd/huizhi.env.example).
    HUIZHI_DATABASE_CONNECT_TIMEOUT_SECONDS=(int, 3),
    HUIZHI_DATABASE_STATEMENT_TIMEOUT_MS=(int, 0),
    # A PostgreSQL replica of that database (streaming replication) that statistics and reports
    # read from (huizhi/core/dbrouter.py); empty: they read the primary like everything else.
    HUIZHI_REPLICA_URL=(str, ""),
    HUIZHI_REDIS_URL=(str, ""),  # empty: per-process memory cache (a laptop needs no Redis)
    # Redis may fail without failing a request (the cache answers as if empty): each call gives up
    # after this long, and after a failure Redis is not asked again for HUIZHI_REDIS_RETRY_SECONDS.
    HUIZHI_REDIS_TIMEOUT_SECONDS=(float, 0.5),
    HUIZHI_REDIS_RETRY_SECONDS=(float, 5.0),
    # /readyz says "not ready" past these: ready tasks waiting in the database queue, and minutes
    # since `huizhi sweep_deadlines` last ran (checked only once a sweep has ever run).
    HUIZHI_READY_MAX_QUEUE=(int, 1000),
    HUIZHI_READY_MAX_SWEEP_LAG_MINUTES=(int, 10),
    # /metrics (Prometheus) answers these addresses or networks, or a request carrying
    # "Authorization: Bearer <HUIZHI_METRICS_TOKEN>" (empty: no token accepted); others get 403.
    HUIZHI_METRICS_ALLOWED_IPS=(list, ["127.0.0.1", "::1"]),
    HUIZHI_METRICS_TOKEN=(str, ""),
    # Read by prometheus_client itself: an empty directory, emptied at each start, where every
    # gunicorn worker of one server writes its counts, so /metrics adds them up (docs/operations.md).
    PROMETHEUS_MULTIPROC_DIR=(str, ""),
    HUIZHI_DATABASE_PREPARED_STATEMENTS=(bool, True),
    HUIZHI_TIME_ZONE=(str, "Asia/Shanghai"),
    HUIZHI_LANGUAGE=(str, "zh-hans"),
    HUIZHI_PORT=(int, 8000),
    HUIZHI_TILE_URL=(str, ""),  # e.g. https://tiles.intranet/{z}/{x}/{y}.png; empty draws polygons only
    HUIZHI_TILE_ATTRIBUTION=(str, ""),
    HUIZHI_LOGIN_FAILURE_LIMIT=(int, 5),
    HUIZHI_LOGIN_COOLOFF_MINUTES=(int, 30),
    # Personal data keys: comma-separated Fernet keys, newest first (rotation = put a new key in
    # front, run `huizhi reencrypt`, then drop the old one). The lookup key keys the HMAC used
    # to find a record by ID number or mobile without storing the plain value.
    HUIZHI_DATA_KEYS=(list, ["hZ0b7m3Qv2gkWc3v3PFrS5n8nE3eC4QGd6bqfCkqk9E="]),
    HUIZHI_LOOKUP_KEY=(str, "dev-lookup-key-change-me"),
    HUIZHI_STATIC_ROOT=(str, str(BASE_DIR / "staticfiles")),
    HUIZHI_LOG_LEVEL=(str, "INFO"),
    # The case loop (DESIGN §4).
    HUIZHI_OFFICE_HOURS=(str, "08:30-12:00,14:00-17:30"),  # working-time limits count only these hours
    HUIZHI_NEAR_DUE_FRACTION=(float, 0.2),  # yellow (临期) when less than this share of the limit is left
    HUIZHI_REOPEN_WINDOW_DAYS=(int, 7),  # an unsatisfied rating within this many days reopens the case
    HUIZHI_RECURRING_DAYS=(int, 90),  # same place + subclass this often within this window: recurring
    HUIZHI_RECURRING_COUNT=(int, 3),
    HUIZHI_SMS_BACKEND=(str, "huizhi.core.sms.ConsoleSmsBackend"),
    # Share of the invitees with a vote who must have signed in before a meeting's vote counts.
    HUIZHI_MEETING_QUORUM=(float, 0.5),
    # Two "not reached" on the empty-nest watch count as two misses only this far apart (DESIGN §7).
    HUIZHI_WATCH_MISS_GAP_HOURS=(float, 4.0),
    HUIZHI_TASKS_BACKEND=(
        str,
        "immediate",
    ),  # "immediate" runs in-process; "database" needs `huizhi db_worker`
    HUIZHI_MAX_PHOTO_MB=(int, 10),
    HUIZHI_MAX_REQUEST_MB=(int, 64),  # one request body (a 50 MB residents sheet, photos); 413 above
    HUIZHI_API_RATE=(str, "600/minute"),  # per API key or user token
    # The leader's view keeps its hot-topics panel this long per viewer, scope and period (it
    # groups up to 2,000 reports: some 400 ms for a street at a million cases); 0: made every time.
    HUIZHI_STATS_HOT_CACHE_SECONDS=(int, 3600),
    HUIZHI_STATS_ENDED_CACHE_SECONDS=(int, 300),
    HUIZHI_STATS_RUNNING_CACHE_SECONDS=(int, 30),
    # Reverse proxies in front of the app that append the client to X-Forwarded-For (0: none, the
    # socket's address is the client's). Limits per IP address count the right address with it.
    HUIZHI_TRUSTED_PROXIES=(int, 0),
    # Served over HTTPS (behind a proxy that terminates TLS and sets X-Forwarded-Proto): redirect
    # plain HTTP, send HSTS, and send session and CSRF cookies only over HTTPS.
    HUIZHI_HTTPS=(bool, False),
    HUIZHI_HSTS_SECONDS=(int, 31536000),
)
# The repository's development keys: good for a laptop, refused by a production server
# (huizhi.core.checks). Each is the default of the variable that replaces it.
DEVELOPMENT_KEYS = {
    name: ENV.scheme[name][1] for name in ("HUIZHI_SECRET_KEY", "HUIZHI_DATA_KEYS", "HUIZHI_LOOKUP_KEY")
}

DEBUG = ENV("HUIZHI_DEBUG")
SECRET_KEY = ENV("HUIZHI_SECRET_KEY")
ALLOWED_HOSTS = ENV("HUIZHI_ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = ENV("HUIZHI_CSRF_TRUSTED_ORIGINS")
HUIZHI_PORT = ENV("HUIZHI_PORT")
HUIZHI_TILE_URL = ENV("HUIZHI_TILE_URL")
HUIZHI_TILE_ATTRIBUTION = ENV("HUIZHI_TILE_ATTRIBUTION")
HUIZHI_DATA_KEYS = ENV("HUIZHI_DATA_KEYS")
HUIZHI_LOOKUP_KEY = ENV("HUIZHI_LOOKUP_KEY")
HUIZHI_OFFICE_HOURS = ENV("HUIZHI_OFFICE_HOURS")
HUIZHI_NEAR_DUE_FRACTION = ENV("HUIZHI_NEAR_DUE_FRACTION")
HUIZHI_REOPEN_WINDOW_DAYS = ENV("HUIZHI_REOPEN_WINDOW_DAYS")
HUIZHI_RECURRING_DAYS = ENV("HUIZHI_RECURRING_DAYS")
HUIZHI_RECURRING_COUNT = ENV("HUIZHI_RECURRING_COUNT")
HUIZHI_SMS_BACKEND = ENV("HUIZHI_SMS_BACKEND")
HUIZHI_MEETING_QUORUM = ENV("HUIZHI_MEETING_QUORUM")
HUIZHI_WATCH_MISS_GAP_HOURS = ENV("HUIZHI_WATCH_MISS_GAP_HOURS")
HUIZHI_MAX_PHOTO_MB = ENV("HUIZHI_MAX_PHOTO_MB")
HUIZHI_MAX_REQUEST_MB = ENV("HUIZHI_MAX_REQUEST_MB")
HUIZHI_TRUSTED_PROXIES = ENV("HUIZHI_TRUSTED_PROXIES")
HUIZHI_READY_MAX_QUEUE = ENV("HUIZHI_READY_MAX_QUEUE")
HUIZHI_READY_MAX_SWEEP_LAG_MINUTES = ENV("HUIZHI_READY_MAX_SWEEP_LAG_MINUTES")
HUIZHI_METRICS_ALLOWED_IPS = ENV("HUIZHI_METRICS_ALLOWED_IPS")
HUIZHI_METRICS_TOKEN = ENV("HUIZHI_METRICS_TOKEN")
PROMETHEUS_MULTIPROC_DIR = ENV("PROMETHEUS_MULTIPROC_DIR")

TASKS = {
    "default": {
        "BACKEND": {
            "immediate": "django_tasks.backends.immediate.ImmediateBackend",
            "database": "django_tasks_db.DatabaseBackend",
        }[ENV("HUIZHI_TASKS_BACKEND")]
    }
}

INSTALLED_APPS = [
    "huizhi.site.admin_look",  # before the admin: its base_site.html overrides the admin's
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rules.apps.AutodiscoverRulesConfig",
    "huizhi.site.thirdparty.AxesConfig",  # axes, named in the admin's language
    "huizhi.core",
    "huizhi.places",
    "django_tasks",
    "huizhi.site.thirdparty.TaskResultsConfig",  # django_tasks_db, named in the admin's language
    "huizhi.accounts",
    "huizhi.cases",
    "huizhi.intake",
    "huizhi.registry",
    "huizhi.meetings",
    "huizhi.projects",
    "huizhi.network",
    "huizhi.fieldwork",
    "huizhi.notices",
    "huizhi.wall",
    "huizhi.care",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "huizhi.api",
    "huizhi.stats",
    "huizhi.site",  # last: the roof of the layers (navigation, console home, demo) sits on every app
]

MIDDLEWARE = [
    "huizhi.core.metrics.PrometheusMiddleware",  # outermost: counts and times every answer, refusals too
    "huizhi.core.limits.RequestBodyLimitMiddleware",  # before anything reads the body
    "huizhi.core.guards.NulCharacterGuardMiddleware",  # no field takes a NUL (PostgreSQL cannot store one)
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outside the session, CSRF and messages middleware: it sees the cookies they set (a page
    # with a cookie is never marked public) and the user they found (a signed-in page no-store).
    "huizhi.core.privatecache.PrivateCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "huizhi.accounts.middleware.CodeSessionGuardMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "huizhi.core.middleware.ContentSecurityPolicyMiddleware",
    # Last, so that it sees the outcome of authentication (axes' own rule).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "huizhi.site.context_processors.navigation",
                "huizhi.care.context_processors.urgent_alerts",
            ],
        },
    }
]

DATABASES = {"default": ENV.db_url_config(ENV("HUIZHI_DATABASE_URL"))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets pages read while a write is in progress; IMMEDIATE takes the write lock when a
    # transaction starts, so two concurrent transitions queue instead of failing half-way.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["TEST"] = {"NAME": None}
else:
    DATABASES["default"]["CONN_MAX_AGE"] = 60
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Options given in the URL's query string (?sslmode=…) are kept; these two are added to them.
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options.setdefault("connect_timeout", ENV("HUIZHI_DATABASE_CONNECT_TIMEOUT_SECONDS"))
    if _statement_ms := ENV("HUIZHI_DATABASE_STATEMENT_TIMEOUT_MS"):
        _options["options"] = f"{_options.get('options', '')} -c statement_timeout={_statement_ms}".strip()
    if ENV("HUIZHI_DATABASE_PREPARED_STATEMENTS"):
        # Parameters sent apart from the query, and a query a connection runs a fifth time kept
        # prepared on the server (psycopg's prepare_threshold): PostgreSQL then neither parses nor
        # plans it again. Measured at a million cases: a case page's database time 6.2 → 1.7 ms,
        # intake's 6.2 → 4.2 ms a case. Off behind a pooler that shares server connections
        # between transactions (PgBouncer's transaction mode), which cannot keep them.
        _options.setdefault("server_side_binding", True)
        _options.setdefault("prepare_threshold", 5)
        # But planned for its values every time: after five runs of a prepared statement PostgreSQL
        # may keep one plan for any values, and for a scope's ranges and a clock's cut-offs that plan
        # is a poor one — a street commissioner's supervision page went from 31 to 123 ms on its
        # tenth request on a connection (a million cases). Parsing is still saved.
        _options["options"] = f"{_options.get('options', '')} -c plan_cache_mode=force_custom_plan".strip()
if _replica_url := ENV("HUIZHI_REPLICA_URL"):
    # The same connection settings as the primary; a test run uses the primary's test database.
    _replica = ENV.db_url_config(_replica_url)
    _replica_options = {**DATABASES["default"].get("OPTIONS", {}), **_replica.get("OPTIONS", {})}
    DATABASES["replica"] = {
        **_replica,
        "OPTIONS": _replica_options,
        "CONN_MAX_AGE": DATABASES["default"].get("CONN_MAX_AGE", 0),
        "CONN_HEALTH_CHECKS": DATABASES["default"].get("CONN_HEALTH_CHECKS", False),
        "TEST": {"MIRROR": "default"},
    }
# Reads go to the replica only inside `reading_reports()`; without a replica it routes nothing.
DATABASE_ROUTERS = ["huizhi.core.dbrouter.ReportsRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

_redis_url = ENV("HUIZHI_REDIS_URL")
CACHES = {
    "default": (
        {
            "BACKEND": "huizhi.core.resilientcache.ResilientRedisCache",
            "LOCATION": _redis_url,
            "OPTIONS": {
                "socket_connect_timeout": ENV("HUIZHI_REDIS_TIMEOUT_SECONDS"),
                "socket_timeout": ENV("HUIZHI_REDIS_TIMEOUT_SECONDS"),
            },
            "RETRY_SECONDS": ENV("HUIZHI_REDIS_RETRY_SECONDS"),
        }
        if _redis_url
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "huizhi.accounts.backends.UsernameOrMobileBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "site:home"
LOGOUT_REDIRECT_URL = "site:home"

AXES_FAILURE_LIMIT = ENV("HUIZHI_LOGIN_FAILURE_LIMIT")
AXES_COOLOFF_TIME = ENV("HUIZHI_LOGIN_COOLOFF_MINUTES") / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "huizhi.accounts.backends.login_identifier"
AXES_CLIENT_IP_CALLABLE = "huizhi.core.clientip.client_ip"  # the client's, not the proxy's
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

LANGUAGE_CODE = ENV("HUIZHI_LANGUAGE")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "huizhi" / "locale"]
TIME_ZONE = ENV("HUIZHI_TIME_ZONE")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = ENV("HUIZHI_STATIC_ROOT")
# WhiteNoise serves from the apps (WHITENOISE_USE_FINDERS) until collectstatic fills this; it only
# needs the folder to exist.
Path(STATIC_ROOT).mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Serve app static files straight from the apps too, so `make run` needs no collectstatic step.
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = BASE_DIR / "media"
MEDIA_URL = "media/"

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
HUIZHI_HTTPS = ENV("HUIZHI_HTTPS")
if HUIZHI_HTTPS:
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = ENV("HUIZHI_HSTS_SECONDS")
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # /healthz is asked over plain HTTP by load balancers inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
# HSTS preload is a public-internet list; an intranet host name cannot be on it.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

HUIZHI_API_RATE = ENV("HUIZHI_API_RATE")
HUIZHI_STATS_HOT_CACHE_SECONDS = ENV("HUIZHI_STATS_HOT_CACHE_SECONDS")
# How long the figures of a period that has ended (last month, last year) are kept for every
# viewer of the same scope; 0: built for each request.
HUIZHI_STATS_ENDED_CACHE_SECONDS = ENV("HUIZHI_STATS_ENDED_CACHE_SECONDS")
# And of a period that includes today (this month, the last 365 days): seconds, not minutes, for
# today's events change it by the minute; 0: built for each request. A street's running year is
# ~175 ms to build at a million cases, and eight leaders opening it at once waited ~1 s.
HUIZHI_STATS_RUNNING_CACHE_SECONDS = ENV("HUIZHI_STATS_RUNNING_CACHE_SECONDS")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "huizhi.api.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["huizhi.api.throttling.PerClientThrottle"],
    "DEFAULT_THROTTLE_RATES": {"client": HUIZHI_API_RATE},
    "DEFAULT_PAGINATION_CLASS": "huizhi.api.pagination.KeysetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "huizhi.api.schema.HuizhiAutoSchema",
    "EXCEPTION_HANDLER": "huizhi.api.errors.json_error_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "huizhi.api.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "huizhi API",
    "DESCRIPTION": "Cases, categories and places of a street office. Authenticate with `X-Api-Key` "
    "(integrating systems) or `Authorization: Token …` (users).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No badge fetched from validator.swagger.io: the docs page must not call out (intranets).
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "ENUM_NAME_OVERRIDES": {
        "CaseStatusEnum": "huizhi.cases.states.Status",
        "ClockUnitEnum": "huizhi.cases.states.ClockUnit",
        # Every kind of timeline event; the transitions endpoint takes the subset a person may take.
        "TimelineActionEnum": "huizhi.cases.states.Action",
        "TransitionActionEnum": "huizhi.cases.transitions.TRANSITION_ACTIONS",
    },
}
# Request size: form and JSON bodies (photos are files, limited by HUIZHI_MAX_PHOTO_MB).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# Every handler blanks API keys, tokens and sign-in codes in query strings (huizhi.core.logredact).
# Django's own loggers are configured here too: its defaults give them handlers of their own that
# would bypass the filter (runserver's access log writes whole request lines, keys included).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_secrets": {"()": "huizhi.core.logredact.RedactSecrets"}},
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact_secrets"]},
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["redact_secrets"],
        },
    },
    "root": {"handlers": ["console"], "level": ENV("HUIZHI_LOG_LEVEL")},
    "loggers": {
        "axes": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
        "django": {"handlers": [], "level": "INFO"},  # to the root's console, filtered
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
    },
}
