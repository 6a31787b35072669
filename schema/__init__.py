"""GraphQL: strawberry types, inputs and enums per domain, assembled in `schema.root`."""
