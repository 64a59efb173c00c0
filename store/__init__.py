"""The store: sqlmodel tables for every raw post, claim, release and finding.

``store.db`` opens engines and sessions; ``store.validate`` checks values before they
reach a table; ``store.ingest`` holds the idempotent upserts; ``store.elections`` loads
a bundled election definition into the tables.
"""
