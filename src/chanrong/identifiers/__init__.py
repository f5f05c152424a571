"""Identifiers domain."""
