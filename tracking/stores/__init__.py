"""Tracking stores: SQL through SQLAlchemy (SQLite embedded, PostgreSQL shared)."""
