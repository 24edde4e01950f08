"""Configuration from the environment (12-factor), with defaults that work on a local machine.

Every service owns its own PostgreSQL database. Its URL is ``<SERVICE>_DATABASE_URL`` when set,
else ``SIPMAS_DATABASE_URL_TEMPLATE`` formatted with the service name, so a test run can point
every service at its own throw-away databases with one variable.
"""

from __future__ import annotations

import os

DEFAULT_AMQP_URI = "amqp://guest:guest@127.0.0.1:5672/"
DEFAULT_DATABASE_URL_TEMPLATE = "postgresql://postgres@127.0.0.1:5432/sipmas_{service}"


def env(name: str, default: str) -> str:
    """One environment variable, with its local default."""
    return os.environ.get(name, default)


def amqp_uri() -> str:
    return env("AMQP_URI", DEFAULT_AMQP_URI)


def database_url(service: str) -> str:
    """The SQLAlchemy URL of ``service``'s own database."""
    url = os.environ.get(f"{service.upper()}_DATABASE_URL") or env(
        "SIPMAS_DATABASE_URL_TEMPLATE", DEFAULT_DATABASE_URL_TEMPLATE
    ).format(service=service)
    return with_psycopg2(url)


def with_psycopg2(url: str) -> str:
    """psycopg2 is the driver (decided: psycopg 3 starves eventlet); plain URLs are accepted."""
    for plain in ("postgresql://", "postgres://"):
        if url.startswith(plain):
            return "postgresql+psycopg2://" + url[len(plain) :]
    return url


def nik_pseudonym_key() -> bytes:
    """Key of the keyed pseudonym that stands in for a NIK where one must be correlated."""
    return env("SIPMAS_NIK_PSEUDONYM_KEY", "sipmas-local-development-key").encode()


def outbox_batch_size() -> int:
    return int(env("SIPMAS_OUTBOX_BATCH", "500"))


def outbox_poll_seconds() -> float:
    return float(env("SIPMAS_OUTBOX_POLL_SECONDS", "0.5"))


def consumer_max_attempts() -> int:
    """How often a failing event handler is tried before its message is dead-lettered."""
    return int(env("SIPMAS_CONSUMER_MAX_ATTEMPTS", "5"))


def evidence_root() -> str:
    """Where the content-addressed evidence store keeps its files (a volume in containers)."""
    return env("SIPMAS_EVIDENCE_ROOT", "var/evidence")


def task_due_days() -> int:
    """Days a verifier has for a visit before the task is overdue."""
    return int(env("SIPMAS_TASK_DUE_DAYS", "14"))


def reverification_days() -> int:
    """The re-verification cycle of a verified household, in days."""
    return int(env("SIPMAS_REVERIFICATION_DAYS", "365"))


def after_case_recheck_days() -> int:
    """Days after a resolved case when the household is visited again."""
    return int(env("SIPMAS_AFTER_CASE_RECHECK_DAYS", "90"))


def timer_seconds(name: str, default: float) -> float:
    """The interval of a service's periodic job ``name`` (``SIPMAS_TIMER_<NAME>_SECONDS``)."""
    return float(env(f"SIPMAS_TIMER_{name.upper()}_SECONDS", str(default)))


# --- notifications ------------------------------------------------------------------------------


def local_timezone() -> str:
    """Kutim's clock (WITA): quiet hours and the daily digest follow it, not the server's."""
    return env("SIPMAS_TIMEZONE", "Asia/Makassar")


def notify_max_attempts() -> int:
    """Attempts of one delivery before it is dead-lettered (permanent failures stop at once)."""
    return int(env("SIPMAS_NOTIFY_MAX_ATTEMPTS", "8"))


def notify_retry_base_seconds() -> float:
    """The first retry's delay; each next one doubles, with jitter (tests set it small)."""
    return float(env("SIPMAS_NOTIFY_RETRY_BASE_SECONDS", "30"))


def notify_retry_max_seconds() -> float:
    return float(env("SIPMAS_NOTIFY_RETRY_MAX_SECONDS", "3600"))


def notify_rate_per_minute(channel: str) -> int:
    """Messages a channel may send per minute (``SIPMAS_NOTIFY_RATE_<CHANNEL>_PER_MINUTE``)."""
    defaults = {"email": "120", "sms": "60", "webhook": "600"}
    return int(env(f"SIPMAS_NOTIFY_RATE_{channel.upper()}_PER_MINUTE", defaults.get(channel, "60")))


def sms_quiet_hours() -> str:
    """``HH:MM-HH:MM`` local time when no SMS goes to a household (deferred, not dropped)."""
    return env("SIPMAS_SMS_QUIET_HOURS", "21:00-07:00")


def digest_hour() -> int:
    """The local hour from which each agency's daily digest is sent."""
    return int(env("SIPMAS_DIGEST_HOUR", "7"))


def smtp_host() -> str:
    return env("SIPMAS_SMTP_HOST", "127.0.0.1")


def smtp_port() -> int:
    return int(env("SIPMAS_SMTP_PORT", "25"))


def smtp_sender() -> str:
    return env("SIPMAS_SMTP_FROM", "SIPMAS Dinsos Kutim <noreply@sipmas.kutaitimurkab.go.id>")


def smtp_credentials() -> tuple[str, str] | None:
    """User and password when the relay needs a login (``SIPMAS_SMTP_USER``/``_PASSWORD``)."""
    user = env("SIPMAS_SMTP_USER", "")
    return (user, env("SIPMAS_SMTP_PASSWORD", "")) if user else None


def smtp_starttls() -> bool:
    return env("SIPMAS_SMTP_STARTTLS", "0") == "1"


def sms_gateway_url() -> str:
    return env("SIPMAS_SMS_GATEWAY_URL", "http://127.0.0.1:9090/sms")


def sms_gateway_auth() -> str:
    """One header line the gateway wants, e.g. ``Authorization: Bearer <token>`` (or empty)."""
    return env("SIPMAS_SMS_GATEWAY_AUTH", "")


def sms_body_template() -> str:
    """The gateway's request body; ``$to`` and ``$text`` become JSON strings."""
    return env("SIPMAS_SMS_BODY_TEMPLATE", '{"to": $to, "text": $text, "sender": "DINSOSKUTIM"}')


def sms_content_type() -> str:
    return env("SIPMAS_SMS_CONTENT_TYPE", "application/json")


def notify_http_timeout() -> float:
    """Seconds an SMS gateway, webhook or SMTP server may take before the attempt is retried."""
    return float(env("SIPMAS_NOTIFY_TIMEOUT_SECONDS", "10"))
