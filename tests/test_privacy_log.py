"""Addresses in logs: every identifier masked, Telegram chat ids as much as phone numbers."""

import pytest

from bot.privacy_log import mask


@pytest.mark.parametrize(
    ("address", "logged"),
    [
        ("123456789", "*******89"),
        ("-1001234567890", "-**********890"),
        ("42", "**"),
        ("7", "*"),
        ("whatsapp:+6281234567890", "whatsapp:+**********890"),
        ("whatsapp:+14155238886", "whatsapp:+*********86"),
        ("terminal-1a2b3c4d", "**************c4d"),
    ],
)
def test_addresses_are_logged_masked(address: str, logged: str) -> None:
    assert mask(address) == logged


@pytest.mark.parametrize(
    "address", ["42", "1234", "987654", "123456789", "5012345678", "-1001234567890", "whatsapp:+6281234567890"]
)
def test_no_identifier_is_logged_whole_or_with_more_than_three_of_its_characters(address: str) -> None:
    identifier = address.rpartition(":")[2].lstrip("+-")
    shown = mask(address).rpartition(":")[2].lstrip("+-").replace("*", "")
    assert shown != identifier
    assert len(shown) <= 3
    assert identifier.endswith(shown)

