"""Run history: every run recorded behind a database layer (SQLite or PostgreSQL), the diff
with the previous run of the same scope, and the trend of open findings."""
