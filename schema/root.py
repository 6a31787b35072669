"""The root schema: it only assembles each domain's Query, Mutation and Subscription."""

from __future__ import annotations

import functools
import logging
from typing import Any

import strawberry
from graphql import GraphQLError
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry import relay
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
)
from strawberry.types import ExecutionContext

from api.errors import BadInput
from api.logs import redacted_traceback
from api.settings import Settings
from schema import accounts, audit, care, consultations, devices, members, places, reports, stations
from schema.base import GeoPoint, ModelNode
from schema.context import Info
from schema.sharing import SharingExecutor

log = logging.getLogger("zhili.graphql")

QUERIES: tuple[type, ...] = (
    accounts.Query,
    places.Query,
    reports.Query,
    audit.Query,
    care.Query,
    members.Query,
    stations.Query,
    consultations.Query,
    devices.Query,
)
MUTATIONS: tuple[type, ...] = (
    accounts.Mutation,
    places.Mutation,
    reports.Mutation,
    care.Mutation,
    members.Mutation,
    stations.Mutation,
    consultations.Mutation,
    devices.Mutation,
)
SUBSCRIPTIONS: tuple[type, ...] = (
    reports.Subscription,
    members.Subscription,
    consultations.Subscription,
    devices.Subscription,
)


#: the most objects one `nodes(ids:)` call returns
MAX_NODES = 100


@strawberry.type
class NodeQuery:
    node: relay.Node | None = relay.node(
        description="Any object by its global id; null if absent or not visible."
    )

    @strawberry.field(
        description=f"Objects by their global ids (at most {MAX_NODES}), in order; null where absent or not visible."
    )
    async def nodes(self, info: Info, ids: list[strawberry.ID]) -> list[relay.Node | None]:
        if len(ids) > MAX_NODES:
            raise BadInput(f"ask for at most {MAX_NODES} ids at once")
        wanted: dict[str, list[str]] = {}
        parsed: list[relay.GlobalID | None] = []
        for raw in ids:
            try:
                gid = relay.GlobalID.from_id(str(raw))
            except (ValueError, TypeError):
                parsed.append(None)
                continue
            parsed.append(gid)
            wanted.setdefault(gid.type_name, []).append(gid.node_id)
        found: dict[tuple[str, str], Any] = {}
        for type_name, node_ids in wanted.items():
            definition = info.schema.get_type_by_name(type_name)
            origin = getattr(definition, "origin", None)
            if not isinstance(origin, type) or not issubclass(origin, ModelNode):
                continue
            for node_id, node in zip(
                node_ids, await origin.resolve_nodes(info=info, node_ids=node_ids), strict=True
            ):
                found[(type_name, node_id)] = node
        return [None if gid is None else found.get((gid.type_name, gid.node_id)) for gid in parsed]


def _merge(name: str, parts: tuple[type, ...]) -> type:
    return strawberry.type(type(name, parts, {}))


def _expected(error: GraphQLError) -> bool:
    """Errors we raise on purpose (codes), and GraphQL's own parse/validation errors."""
    return error.original_error is None or isinstance(error.original_error, GraphQLError)


def _mask(error: GraphQLError) -> bool:
    return not _expected(error)


class Masked(MaskErrors):
    """Unexpected exceptions become `INTERNAL_SERVER_ERROR`, logged with the request id, details hidden."""

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        context = self.execution_context.context
        request_id = getattr(context, "request_id", None)
        log.error(
            "unexpected error (request %s) at %s\n%s",
            request_id,
            error.path,
            redacted_traceback(error.original_error),
        )
        return GraphQLError(
            message=self.error_message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions={"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
        )


class Schema(strawberry.federation.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # expected errors are the client's business; unexpected ones were logged where they were masked
        return None


def build_schema(settings: Settings | None = None) -> Schema:
    """The schema for these settings.

    Strawberry binds the relay `node` fields to the first schema built from them, so a process
    builds one schema per set of limits (in practice: one).
    """
    settings = settings or Settings()
    return _build(
        settings.max_query_depth, settings.max_query_tokens, settings.max_aliases, settings.production
    )


@functools.cache
def _build(max_depth: int, max_tokens: int, max_aliases: int, production: bool) -> Schema:
    extensions: list[Any] = [
        QueryDepthLimiter(max_depth=max_depth),
        MaxTokensLimiter(max_token_count=max_tokens),
        MaxAliasesLimiter(max_alias_count=max_aliases),
        Masked(should_mask_error=_mask, error_message="Unexpected error."),
    ]
    if production:
        extensions.append(AddValidationRules([NoSchemaIntrospectionCustomRule]))
    subscription = _merge("Subscription", SUBSCRIPTIONS) if SUBSCRIPTIONS else None
    return Schema(
        query=_merge("Query", (NodeQuery, *QUERIES)),
        mutation=_merge("Mutation", MUTATIONS),
        subscription=subscription,
        types=[GeoPoint],
        extensions=extensions,
        execution_context_class=SharingExecutor,
        federation_version="2.7",
    )
