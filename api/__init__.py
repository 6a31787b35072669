"""zhili (智理): the runtime — settings, database, models, auth, events, ingest, the app, the CLI."""
