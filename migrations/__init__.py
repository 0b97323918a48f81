"""Data migrations, run by ``python -m migrations.runner`` (state in ``_migrations/{id}``)."""
