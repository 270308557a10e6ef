"""Moving a ChatMRPT (Flask) instance into the service: `python -m migration plan|apply|verify|rollback`.

Outside the deployed package (Chalice packages app.py and chalicelib/ only): an
operator runs it against the local stack or a deployed stage. docs/runbook.md,
"Migrating a ChatMRPT instance", walks through a whole migration.
"""
