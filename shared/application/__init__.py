"""The use-case layer every service shares: the update/retry helper, the command table's
row types, idempotency, and records written with a command's events.
"""
