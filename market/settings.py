"""Every setting of the app, read from the environment once, in this one module."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from starlette.datastructures import Secret

ROOT = Path(__file__).resolve().parent.parent
# var/ (the SQLite database, uploads, the development secret key) sits in the checkout; an
# installed package must not write into site-packages, so it uses ./var unless MARKET_VAR_DIR.
DEFAULT_VAR_DIR = ROOT / "var" if (ROOT / "pyproject.toml").is_file() else Path.cwd() / "var"


class SettingsError(RuntimeError):
    """A setting is missing or malformed."""


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be an integer, got {raw!r}") from exc


def _dev_secret(var_dir: Path) -> str:
    """In development the secret key is generated once and kept under var/."""
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


def _hours(env: Mapping[str, str], name: str, default: tuple[int, ...]) -> tuple[int, ...]:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return tuple(sorted({int(part) for part in raw.split(",") if part.strip()}, reverse=True))
    except ValueError as exc:
        raise SettingsError(f"{name} must be whole hours separated by commas, got {raw!r}") from exc


@dataclass(frozen=True)
class Settings:
    environment: str = "development"
    var_dir: Path = DEFAULT_VAR_DIR
    database_url: str = ""
    redis_url: str = ""
    secret_key: Secret = field(default_factory=lambda: Secret(""))
    base_url: str = "http://127.0.0.1:8000"
    smtp_url: str = ""
    mail_from: str = "Partner Market <noreply@partnermarket.example>"
    arq_queue: str = "market:queue"
    argon2_profile: str = "default"
    session_idle_minutes: int = 120
    session_absolute_hours: int = 12
    token_days: int = 30
    max_body_bytes: int = 1_000_000
    max_upload_bytes: int = 10_000_000
    login_account_limit: int = 5
    login_address_limit: int = 50
    login_window_minutes: int = 15
    # Password-reset requests, registrations and API tokens: per account and per address.
    request_account_limit: int = 5
    request_address_limit: int = 200
    request_window_minutes: int = 60
    token_limit: int = 200  # new API tokens per account in that window
    # ... and per address: much higher, since many users (and integrations) share one address.
    token_address_limit: int = 1000
    # Removed and withdrawn bid attachments are deleted from disk this many days later
    # (0: kept with the task's archive); a vendor's attachments may use this many bytes.
    attachment_retention_days: int = 0
    vendor_storage_bytes: int = 200_000_000
    # Addresses of reverse proxies whose X-Forwarded-For is believed (none by default).
    trusted_proxies: tuple[str, ...] = ()
    reminder_interval_days: int = 7
    job_timeout_seconds: int = 300
    # Alerts: the local hour digests go out, and the reminder marks (hours before a bid deadline).
    alert_digest_hour: int = 7
    alert_reminder_hours: tuple[int, ...] = (72, 24)
    # Open Contracting ID prefix (registered with the OCDS helpdesk): "<prefix>-<task id>".
    ocds_ocid_prefix: str = "ocds-pmkt01"
    # The publisher of the OCDS data: its name and its identifier (e.g. DK-CVR and the CVR).
    ocds_publisher_name: str = "OS2 - Offentligt Digitaliseringsfællesskab (Partner Market)"
    ocds_publisher_scheme: str = "DK-CVR"
    ocds_publisher_uid: str = ""
    debug: bool = False
    # Tests: every JSON answer of an API route is checked against the response model its
    # operation declares, so an undeclared field fails (market.api.AnswerCheckMiddleware).
    check_answers: bool = False
    # Logs and metrics: the level of the log lines; the addresses or networks (besides the
    # signed-in secretariat) that may read /metrics; where worker processes share metrics.
    log_level: str = "INFO"
    # Public pages: where users report accessibility problems, and security researchers write.
    contact_email: str = "sekretariat@partnermarket.example"
    security_contact: str = "mailto:security@partnermarket.example"
    metrics_allowed_addresses: tuple[str, ...] = ()
    metrics_dir: Path | None = None

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.startswith("https://")

    @property
    def upload_dir(self) -> Path:
        return self.var_dir / "uploads"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        env = os.environ if env is None else env
        environment = env.get("MARKET_ENV", "development")
        var_dir = Path(env.get("MARKET_VAR_DIR", str(DEFAULT_VAR_DIR)))
        database_url = env.get("DATABASE_URL", "") or f"sqlite://{var_dir / 'market.sqlite3'}"
        secret = env.get("SECRET_KEY", "")
        if not secret:
            if environment == "production":
                raise SettingsError("SECRET_KEY is required in production")
            secret = _dev_secret(var_dir)
        values: dict[str, object] = dict(
            environment=environment,
            var_dir=var_dir,
            database_url=database_url,
            redis_url=env.get("REDIS_URL", ""),
            secret_key=Secret(secret),
            base_url=env.get("BASE_URL", "http://127.0.0.1:8000").rstrip("/"),
            smtp_url=env.get("SMTP_URL", ""),
            mail_from=env.get("MAIL_FROM", cls.mail_from),
            arq_queue=env.get("ARQ_QUEUE", cls.arq_queue),
            argon2_profile=env.get("ARGON2_PROFILE", "default"),
            session_idle_minutes=_int(env, "SESSION_IDLE_MINUTES", cls.session_idle_minutes),
            session_absolute_hours=_int(env, "SESSION_ABSOLUTE_HOURS", cls.session_absolute_hours),
            token_days=_int(env, "TOKEN_DAYS", cls.token_days),
            reminder_interval_days=_int(env, "REMINDER_INTERVAL_DAYS", 7),
            alert_digest_hour=_int(env, "ALERT_DIGEST_HOUR", cls.alert_digest_hour),
            token_limit=_int(env, "TOKEN_LIMIT", cls.token_limit),
            token_address_limit=_int(env, "TOKEN_ADDRESS_LIMIT", cls.token_address_limit),
            attachment_retention_days=_int(
                env, "ATTACHMENT_RETENTION_DAYS", cls.attachment_retention_days
            ),
            vendor_storage_bytes=_int(env, "VENDOR_STORAGE_BYTES", cls.vendor_storage_bytes),
            alert_reminder_hours=_hours(env, "ALERT_REMINDER_HOURS", cls.alert_reminder_hours),
            request_account_limit=_int(env, "REQUEST_ACCOUNT_LIMIT", cls.request_account_limit),
            request_address_limit=_int(env, "REQUEST_ADDRESS_LIMIT", cls.request_address_limit),
            request_window_minutes=_int(env, "REQUEST_WINDOW_MINUTES", cls.request_window_minutes),
            trusted_proxies=tuple(
                part.strip() for part in env.get("TRUSTED_PROXIES", "").split(",") if part.strip()
            ),
            job_timeout_seconds=_int(env, "JOB_TIMEOUT_SECONDS", cls.job_timeout_seconds),
            ocds_ocid_prefix=env.get("OCDS_OCID_PREFIX", cls.ocds_ocid_prefix),
            ocds_publisher_name=env.get("OCDS_PUBLISHER_NAME", cls.ocds_publisher_name),
            ocds_publisher_scheme=env.get("OCDS_PUBLISHER_SCHEME", cls.ocds_publisher_scheme),
            ocds_publisher_uid=env.get("OCDS_PUBLISHER_UID", cls.ocds_publisher_uid),
            debug=_bool(env.get("DEBUG")),
            check_answers=_bool(env.get("CHECK_ANSWERS")),
            log_level=(env.get("LOG_LEVEL") or cls.log_level).upper(),
            contact_email=env.get("CONTACT_EMAIL") or cls.contact_email,
            security_contact=env.get("SECURITY_CONTACT") or cls.security_contact,
            metrics_allowed_addresses=tuple(
                part.strip()
                for part in env.get("METRICS_ALLOWED_ADDRESSES", "").split(",")
                if part.strip()
            ),
            metrics_dir=Path(env.get("METRICS_DIR") or var_dir / "metrics"),
        )
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]
