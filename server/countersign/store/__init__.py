"""Persistence and git access: the SQLite ledger, the repository, notes."""
