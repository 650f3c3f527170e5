"""PostgreSQL adapters (SQLAlchemy 2 async + asyncpg)."""
