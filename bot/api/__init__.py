"""The staff API: JSON over HTTP with bearer tokens, scoped by role and province."""
