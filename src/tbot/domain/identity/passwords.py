from __future__ import annotations

from dataclasses import dataclass

from tbot.domain.errors import ValidationFailed

# The most common choices, Russian keyboard habits included; a longer list lives nowhere we
# could keep current, so length is the main defence.
COMMON_PASSWORDS = frozenset(
    {
        "123456789012", "1234567890123", "qwertyuiopas", "password1234", "passwordpassword",
        "qwerty123456", "1q2w3e4r5t6y", "1qaz2wsx3edc", "iloveyou1234", "admin1234567",
        "adminadminadmin", "welcome12345", "letmein12345", "zaq12wsxcde3", "qwertyqwerty",
        "111111111111", "000000000000", "abcdefghijkl", "parol1234567", "ytrewq123456",
        "changeme1234", "p@ssw0rd1234", "administrator", "qwerty1234567",
    }
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class PasswordPolicy:
    min_length: int = 12
    max_length: int = 128  # bcrypt reads 72 bytes; longer is refused rather than truncated

    def check(self, password: str, *, login: str | None = None) -> None:
        reason = self._problem(password, login)
        if reason:
            raise ValidationFailed({"password": reason})

    def _problem(self, password: str, login: str | None) -> str:
        if len(password) < self.min_length:
            return f"at least {self.min_length} characters"
        if len(password) > self.max_length or len(password.encode()) > 72:
            return "too long (at most 72 bytes)"
        if login and login.lower() in password.lower():
            return "must not contain the login"
        if password.lower() in COMMON_PASSWORDS or len(set(password)) < 4:
            return "too common; choose a passphrase of several words"
        return ""
