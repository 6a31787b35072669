"""Use cases, one module per domain: the only code that changes state.

Each is a plain async function with keyword-only arguments, callable from GraphQL, the CLI,
the ingest endpoint and tests alike. It checks permissions and rules, writes in one
transaction, and publishes its events after the commit.
"""
