"""Alembic migrations of the tracking database (run by tracking.stores.sql.migrate)."""
