"""What TBot can be configured with: the settings registry and the secret names.

Settings are plain values an admin may edit (stored in `core.settings`); secrets are
credentials that live only in the OS keyring (or the environment in development) and are
never written to the database, the logs or an error page.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from tbot.domain.errors import NotFound, ValidationFailed

SettingValue = str | int | float | bool


@dataclass(frozen=True, slots=True)
class SettingSpec:
    name: str
    kind: type[str] | type[int] | type[float] | type[bool]
    default: SettingValue
    description: str
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    restart_required: bool = False
    pattern: str = ""  # a text setting must match it whole (re.fullmatch)
    pattern_hint: str = ""  # what the pattern means, for the error message

    def parse(self, raw: object) -> SettingValue:
        """Turn a raw value (a string from the CLI/env, or JSON from the database) into
        this setting's type, or raise ValidationFailed naming the setting and the reason."""
        value = self._coerce(raw)
        self._check_bounds(value)
        return value

    def _coerce(self, raw: object) -> SettingValue:
        if self.kind is bool:
            return _parse_bool(self.name, raw)
        if self.kind is int:
            if isinstance(raw, bool):
                raise ValidationFailed({self.name: "expected an integer"})
            try:
                return int(str(raw).strip())
            except ValueError:
                raise ValidationFailed({self.name: f"expected an integer, got {raw!r}"}) from None
        if self.kind is float:
            if isinstance(raw, bool):
                raise ValidationFailed({self.name: "expected a number"})
            try:
                return float(str(raw).strip())
            except ValueError:
                raise ValidationFailed({self.name: f"expected a number, got {raw!r}"}) from None
        if not isinstance(raw, str):
            raise ValidationFailed({self.name: f"expected text, got {type(raw).__name__}"})
        return raw.strip()

    def _check_bounds(self, value: SettingValue) -> None:
        if self.choices and value not in self.choices:
            allowed = ", ".join(self.choices)
            raise ValidationFailed({self.name: f"must be one of {allowed}, got {value!r}"})
        if self.pattern and isinstance(value, str) and not re.fullmatch(self.pattern, value):
            hint = self.pattern_hint or f"must match {self.pattern}"
            raise ValidationFailed({self.name: f"{hint}, got {value!r}"})
        if isinstance(value, bool) or not isinstance(value, int | float):
            return
        if self.minimum is not None and value < self.minimum:
            raise ValidationFailed({self.name: f"must be at least {self.minimum:g}"})
        if self.maximum is not None and value > self.maximum:
            raise ValidationFailed({self.name: f"must be at most {self.maximum:g}"})


def _parse_bool(name: str, raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off"}:
        return False
    raise ValidationFailed({name: f"expected true/false, got {raw!r}"})


@dataclass(frozen=True, slots=True)
class SecretSpec:
    name: str
    description: str


SETTINGS: tuple[SettingSpec, ...] = (
    SettingSpec(
        "log_level",
        str,
        "INFO",
        "Minimum level of log lines written to stdout and the log file.",
        choices=("DEBUG", "INFO", "WARNING", "ERROR"),
    ),
    SettingSpec(
        "default_language",
        str,
        "ru",
        "Language of bot and web texts for users who have not chosen one.",
        choices=("ru", "en"),
    ),
    SettingSpec(
        "health_cache_s",
        float,
        1.0,
        "How long /health reuses its last dependency check; protects PostgreSQL and "
        "Redis from load balancers that poll hard.",
        minimum=0.0,
        maximum=30.0,
    ),
    SettingSpec(
        "heartbeat_interval_s",
        float,
        5.0,
        "How often each node writes its heartbeat to cluster.nodes.",
        minimum=1.0,
        maximum=60.0,
        restart_required=True,
    ),
    SettingSpec(
        "node_down_after_beats",
        int,
        3,
        "A node that missed this many heartbeats is shown as down.",
        minimum=2,
        maximum=100,
    ),
    SettingSpec(
        "leader_ttl_s",
        float,
        5.0,
        "Lifetime of the leader's lease in Redis; renewed every third of it. A dead leader is "
        "replaced within about this time plus leader_retry_s (see docs/cluster.md).",
        minimum=1.0,
        maximum=60.0,
        restart_required=True,
    ),
    SettingSpec(
        "leader_retry_s",
        float,
        0.5,
        "How often a node that is not leader tries to take the leader's lease.",
        minimum=0.05,
        maximum=10.0,
        restart_required=True,
    ),
    SettingSpec(
        "log_file_max_mb",
        int,
        20,
        "Size at which the JSON log file in the data folder is rotated.",
        minimum=1,
        maximum=1024,
        restart_required=True,
    ),
    SettingSpec(
        "log_file_backups",
        int,
        5,
        "How many rotated log files are kept (at least 1: with none, Python never rotates).",
        minimum=1,
        maximum=100,
        restart_required=True,
    ),
    SettingSpec(
        "telegram_api_url",
        str,
        "https://api.telegram.org",
        "Bot API server; change only for a local Bot API server or tests.",
        restart_required=True,
    ),
    SettingSpec(
        "otrs_url",
        str,
        "",
        "Base URL of the Znuny/OTRS GenericInterface web service; empty turns the integration off.",
    ),
    SettingSpec(
        "smtp_host",
        str,
        "",
        "Corporate SMTP server for verification codes; empty uses the log-only mailer.",
    ),
    SettingSpec("smtp_port", int, 587, "SMTP port.", minimum=1, maximum=65535),
    SettingSpec("smtp_username", str, "", "SMTP login; empty sends without logging in."),
    SettingSpec("smtp_from", str, "tbot@localhost", "Sender address of TBot's mail."),
    SettingSpec(
        "smtp_starttls",
        bool,
        True,
        "Upgrade the SMTP connection with STARTTLS; TBot never logs in over clear text.",
    ),
    SettingSpec(
        "verification_email_domains",
        str,
        "",
        "Comma-separated mail domains whose addresses may verify in Telegram; empty allows any.",
    ),
    SettingSpec(
        "bcrypt_rounds",
        int,
        12,
        "bcrypt cost of new password hashes (each +1 doubles the time of a login).",
        minimum=4,
        maximum=15,
        restart_required=True,
    ),
    SettingSpec(
        "access_token_minutes",
        int,
        15,
        "Lifetime of an API access token; also how long a role change may take to apply.",
        minimum=1,
        maximum=1440,
        restart_required=True,
    ),
    SettingSpec(
        "refresh_token_days",
        int,
        14,
        "Lifetime of a login session without activity.",
        minimum=1,
        maximum=365,
        restart_required=True,
    ),
    SettingSpec(
        "login_max_failures",
        int,
        5,
        "Failed logins of one account within the lockout window that lock it.",
        minimum=3,
        maximum=100,
        restart_required=True,
    ),
    SettingSpec(
        "login_lockout_minutes",
        int,
        15,
        "Window for counting failed logins, and how long a lockout lasts.",
        minimum=1,
        maximum=1440,
        restart_required=True,
    ),
    SettingSpec(
        "api_requests_per_minute",
        int,
        600,
        "Requests one user or API token may make per minute across all nodes.",
        minimum=10,
        maximum=1_000_000,
        restart_required=True,
    ),
    SettingSpec(
        "login_attempts_per_minute",
        int,
        20,
        "Login attempts one client address may make per minute across all nodes.",
        minimum=1,
        maximum=10_000,
        restart_required=True,
    ),
    SettingSpec(
        "phone_default_region",
        str,
        "RU",
        "Country whose numbers may be written without a country code (ISO 3166 code, e.g. RU): "
        "8 (495) 123-45-67 is read as +7 495 123-45-67.",
        restart_required=True,
        pattern="[A-Z]{2}",
        pattern_hint="two capital letters, an ISO 3166 country code such as RU",
    ),
    SettingSpec(
        "directory_import_max_mb",
        int,
        20,
        "Largest directory workbook an import accepts, in MB (100,000 employees take about 7).",
        minimum=1,
        maximum=500,
        restart_required=True,
    ),
    SettingSpec(
        "company_timezone",
        str,
        "Europe/Moscow",
        "The company's time zone (IANA name): the calendar date of dismissals.",
        restart_required=True,
    ),
    SettingSpec(
        "bot_mode",
        str,
        "polling",
        "How Telegram's updates reach the bot: the leader long-polls (`polling`), or Telegram "
        "posts them to every node behind a load balancer (`webhook`).",
        choices=("polling", "webhook"),
        restart_required=True,
    ),
    SettingSpec(
        "bot_webhook_url",
        str,
        "",
        "Public HTTPS address of /telegram/webhook behind the load balancer (webhook mode).",
        restart_required=True,
    ),
    SettingSpec(
        "bot_messages_per_minute",
        int,
        30,
        "Messages, button presses and inline queries one Telegram user may send per minute.",
        minimum=1,
        maximum=10_000,
        restart_required=True,
    ),
    SettingSpec(
        "telegram_log_retention_days",
        int,
        30,
        "Days the inbound message log keeps a message before the nightly purge removes it.",
        minimum=1,
        maximum=3650,
    ),
    SettingSpec(
        "telegram_log_text",
        bool,
        False,
        "Store the text of inbound messages in the log (off: only who, when and what kind).",
    ),
)

SECRETS: tuple[SecretSpec, ...] = (
    SecretSpec("bot_token", "Telegram Bot API token from @BotFather."),
    SecretSpec("database_password", "Password of the PostgreSQL role, if the URL has none."),
    SecretSpec("redis_password", "Password of Redis, if the URL has none."),
    SecretSpec("smtp_password", "Password of the SMTP account."),
    SecretSpec("otrs_password", "Password of the OTRS/Znuny agent used by TBot."),
    SecretSpec(
        "jwt_signing_key",
        "Key that signs API access tokens (HS256); every node needs the same one.",
    ),
    SecretSpec(
        "jwt_previous_signing_key",
        "The key before the last rotation, still accepted for verification.",
    ),
    SecretSpec(
        "bot_webhook_secret",
        "Secret Telegram sends with every webhook call (X-Telegram-Bot-Api-Secret-Token); "
        "generated when webhook mode first starts.",
    ),
)

_SETTINGS_BY_NAME = {spec.name: spec for spec in SETTINGS}
_SECRETS_BY_NAME = {spec.name: spec for spec in SECRETS}


def setting_spec(name: str) -> SettingSpec:
    if name in _SECRETS_BY_NAME:
        raise ValidationFailed(
            {name: "is a secret: it lives in the keyring; use `tbot secrets set`"}
        )
    try:
        return _SETTINGS_BY_NAME[name]
    except KeyError:
        raise NotFound("setting", name) from None


def secret_spec(name: str) -> SecretSpec:
    try:
        return _SECRETS_BY_NAME[name]
    except KeyError:
        raise NotFound("secret", name) from None


def is_secret(name: str) -> bool:
    return name in _SECRETS_BY_NAME


@dataclass(frozen=True, slots=True)
class RuntimeSettings:
    """The effective settings of a running node, typed. Field names match SETTINGS."""

    log_level: str
    default_language: str
    health_cache_s: float
    heartbeat_interval_s: float
    node_down_after_beats: int
    leader_ttl_s: float
    leader_retry_s: float
    log_file_max_mb: int
    log_file_backups: int
    telegram_api_url: str
    otrs_url: str
    smtp_host: str
    smtp_port: int
    smtp_username: str
    smtp_from: str
    smtp_starttls: bool
    verification_email_domains: str
    bcrypt_rounds: int
    access_token_minutes: int
    refresh_token_days: int
    login_max_failures: int
    login_lockout_minutes: int
    api_requests_per_minute: int
    login_attempts_per_minute: int
    phone_default_region: str
    directory_import_max_mb: int
    company_timezone: str
    bot_mode: str
    bot_webhook_url: str
    bot_messages_per_minute: int
    telegram_log_retention_days: int
    telegram_log_text: bool

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> RuntimeSettings:
        known = {f.name for f in fields(cls)}
        return cls(**{name: values[name] for name in known})

    @classmethod
    def defaults(cls) -> RuntimeSettings:
        return cls.from_values({spec.name: spec.default for spec in SETTINGS})
