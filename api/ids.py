"""Global ids, as the GraphQL API names objects (Relay: base64 of "Type:id").

Kept here so that the runtime (ingest answers, audit entries) names objects exactly as the API does.
"""

from __future__ import annotations

import base64


def global_id(type_name: str, pk: int) -> str:
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()
