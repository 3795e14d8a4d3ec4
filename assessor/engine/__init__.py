"""The rules engine: YAML rule packs → typed rules → compiled predicates → findings."""
