"""Ledger domain: the platform's RFC 9162-style transparency log."""
