"""Database access."""

import sqlite3
from contextlib import contextmanager


@contextmanager
def connection():
    db = sqlite3.connect("payments.db", timeout=5)
    try:
        yield db
    finally:
        db.close()
