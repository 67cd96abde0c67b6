"""PostgreSQL storage: many server processes sharing one database (asyncpg, one pool each)."""
