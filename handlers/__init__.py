"""Conversation features, one module each; `bot/features.py` lists them."""
