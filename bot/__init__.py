"""gurubot: a WhatsApp and Telegram companion for Indonesian teacher communities."""
