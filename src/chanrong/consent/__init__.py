"""Consent domain: grants, the one cross-party read check with its audit, sealed packages."""
