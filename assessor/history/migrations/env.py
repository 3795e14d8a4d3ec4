"""Alembic environment: the store hands over its connection; no ini file is needed."""

from alembic import context

from assessor.history.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata)
with context.begin_transaction():
    context.run_migrations()
