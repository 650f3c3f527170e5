from __future__ import annotations

import phonenumbers

from tbot.domain.errors import ValidationFailed


class PhonenumbersNormalizer:
    """Any way people write a number ("8 (495) 123-45-67", "+7 495 1234567", "84951234567")
    to E.164, reading numbers without a country code in the company's region."""

    def __init__(self, default_region: str = "RU") -> None:
        self._region = default_region.upper()

    def normalize(self, raw: str, field: str) -> str:
        text = raw.strip()
        try:
            number = phonenumbers.parse(text, self._region)
        except phonenumbers.NumberParseException:
            raise ValidationFailed({field: f"not a phone number: {raw!r}"}) from None
        if not phonenumbers.is_possible_number(number):
            raise ValidationFailed({field: f"not a possible phone number: {raw!r}"})
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
