"""Generated migrations (market makemigrations); committed."""
