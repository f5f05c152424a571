"""Tests of the credit scorecard."""
