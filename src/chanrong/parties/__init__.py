"""Parties domain."""
