"""Subsidy rate tables, grants, runs and payments (built in the subsidies issue)."""
