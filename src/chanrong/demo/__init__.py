"""The simulated industrial park behind ``make demo``."""
