"""Inspection regimes, tasks, draws and records (built in the inspections issue)."""
