"""The web console's shared parts: templates, static files, labels in Chinese and English."""
