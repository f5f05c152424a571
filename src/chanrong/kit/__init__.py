"""Domain-free helpers shared by every domain (tabular files, pagination)."""
