"""Helpers that keep personal data out of logs."""


def mask(address: str) -> str:
    """`whatsapp:+6281234567890` → `whatsapp:+62812*****890`; short ids keep only their ends."""
    prefix, _, number = address.rpartition(":")
    if len(number) <= 6:
        hidden = number[:1] + "*" * max(len(number) - 2, 0) + number[-1:]
    else:
        hidden = number[:6] + "*" * (len(number) - 9) + number[-3:]
    return f"{prefix}:{hidden}" if prefix else hidden
