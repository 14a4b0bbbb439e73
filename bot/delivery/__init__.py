"""Reliable delivery of the outbox: claiming, rate limits, the error policy, long-text splitting
and WhatsApp's 24-hour window. `bot.dispatcher.Dispatcher` puts the pieces together."""
