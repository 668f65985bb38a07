"""eventsourcing on PostgreSQL (the recorder with a bounded lock wait and side records, the
idempotency store, the pool) and the in-memory twins for unit tests.
"""
