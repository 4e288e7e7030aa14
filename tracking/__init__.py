"""Tracked projects (一码): workflow, deadlines, consultations, KPIs, kept in SQL."""
