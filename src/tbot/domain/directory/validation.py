"""Field rules of the directory, each raising ValidationFailed that names the field.
Phones need the phonenumbers library, so they are checked through a port (PhoneNormalizer);
everything else here is the standard library."""

from __future__ import annotations

import ipaddress
import re

from tbot.domain.errors import ValidationFailed

_HOSTNAME = re.compile(
    r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$"
)
_MAC_HEX = re.compile(r"^[0-9a-f]{12}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_TELEGRAM = re.compile(r"^[a-z][a-z0-9_]{4,31}$")
_EXTENSION = re.compile(r"^\d{2,6}$")


def hostname(value: str, field: str = "hostname") -> str:
    text = value.strip().lower().rstrip(".")
    if not _HOSTNAME.match(text):
        raise ValidationFailed({field: f"not a host name: {value!r}"})
    return text


def ip_address(value: str, field: str = "addresses") -> str:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        raise ValidationFailed({field: f"not an IPv4/IPv6 address: {value!r}"}) from None


def mac_address(value: str, field: str = "mac") -> str:
    """Any separator style (aa:bb.., aa-bb.., aabb.cc.., AABBCC..) to aa:bb:cc:dd:ee:ff."""
    digits = re.sub(r"[\s:.\-]", "", value.strip().lower())
    if not _MAC_HEX.match(digits):
        raise ValidationFailed({field: f"not a MAC address: {value!r}"})
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))


def email(value: str, field: str = "email") -> str:
    text = value.strip().lower()
    if not _EMAIL.match(text):
        raise ValidationFailed({field: f"not an email address: {value!r}"})
    return text


def telegram_username(value: str, field: str = "telegram_username") -> str:
    text = value.strip().lstrip("@").lower()
    if not _TELEGRAM.match(text):
        raise ValidationFailed({field: f"not a Telegram username: {value!r}"})
    return text


def extension(value: str, field: str = "extension") -> str:
    text = re.sub(r"\D", "", value)
    if not _EXTENSION.match(text):
        raise ValidationFailed({field: f"an internal extension is 2-6 digits, got {value!r}"})
    return text


def required_name(value: str, field: str) -> str:
    text = " ".join(value.split())
    if not text:
        raise ValidationFailed({field: "must not be empty"})
    if len(text) > 100:
        raise ValidationFailed({field: "at most 100 characters"})
    return text
