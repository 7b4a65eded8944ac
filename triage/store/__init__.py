"""Storage: SQLAlchemy 2 tables, Alembic migrations and the message store."""

from triage.store.database import make_engine, make_sessionmaker
from triage.store.messages import MessageStore, StoreOutcome, StoreResult
from triage.store.migrate import upgrade

__all__ = [
    "MessageStore",
    "StoreOutcome",
    "StoreResult",
    "make_engine",
    "make_sessionmaker",
    "upgrade",
]
