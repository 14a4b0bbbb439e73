"""One adapter per provider: verify, parse to `Incoming`, dedupe; render and send."""
