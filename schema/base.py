"""What every domain's schema uses: permissions, the mutation wrapper, connections, nodes, geo types."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, ClassVar, Generic, Self, TypeVar

import strawberry
from strawberry import relay
from strawberry.permission import BasePermission
from tortoise.models import Model
from tortoise.queryset import QuerySet

from api.auth import Principal
from api.errors import ErrorCode, Unauthenticated, UserError, UserErrors
from api.ids import global_id
from api.models.accounts import Role
from api.pagination import Page, Window, empty_page, page, page_of, pages_by_parent
from schema.context import Info

T = TypeVar("T")
M = TypeVar("M", bound=Model)

UserErrorCode = strawberry.enum(
    ErrorCode, name="UserErrorCode", description="Why a mutation refused its input."
)
RoleEnum = strawberry.enum(Role, name="Role", description="A role an account holds within a scope.")


# ---------------------------------------------------------------------------- permissions


def _unauthenticated(info: Info) -> Unauthenticated:
    problem = info.context.credential_error
    return Unauthenticated(f"Log in again: {problem}." if problem else "Log in to do this.")


class IsAuthenticated(BasePermission):
    """Needs a logged-in account (or a portal's key where the field allows it)."""

    message = "Log in to do this."
    error_extensions = {"code": "UNAUTHENTICATED"}  # noqa: RUF012

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        # raise rather than set self.message: one permission instance serves every request
        if info.context.principal.account_id is None:
            raise _unauthenticated(info)
        return True


def IsAuthenticatedOr(scope: str) -> type[BasePermission]:
    """A logged-in account, or a portal whose API key carries `scope`."""

    class _Scoped(BasePermission):
        message = f"Log in, or use an API key with the scope {scope}."
        error_extensions = {"code": "UNAUTHENTICATED"}  # noqa: RUF012

        def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
            principal = info.context.principal
            if principal.account_id is None and not principal.has_scope(scope):
                raise _unauthenticated(info)
            return True

    _Scoped.__name__ = f"IsAuthenticatedOr_{scope.replace(':', '_')}"
    return _Scoped


def HasRole(*roles: Role) -> type[BasePermission]:
    """Needs one of `roles` in some scope; the use case then checks the scope itself."""

    class _HasRole(BasePermission):
        message = f"Needs one of the roles {', '.join(r.value for r in roles)}."
        error_extensions = {"code": "FORBIDDEN"}  # noqa: RUF012

        def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
            principal = info.context.principal
            if principal.account_id is None:
                raise _unauthenticated(info)
            return principal.is_admin or principal.has_role(*roles)

    _HasRole.__name__ = f"HasRole_{'_'.join(r.value for r in roles)}"
    return _HasRole


def require_account(info: Info) -> Principal:
    principal = info.context.principal
    if principal.account_id is None:
        raise Unauthenticated()
    return principal


# ---------------------------------------------------------------------------- mutations


@strawberry.type(description="Why a mutation did not do what was asked.")
class UserErrorType:
    field: str | None = strawberry.field(description="The input field at fault, if one is.")
    code: UserErrorCode  # type: ignore[valid-type]
    message: str = strawberry.field(description="A human-readable explanation; may change, switch on `code`.")


UserErrorType.__strawberry_definition__.name = "UserError"  # type: ignore[attr-defined]

PayloadT = TypeVar("PayloadT")


async def mutate(
    payload: Callable[..., PayloadT],
    use_case: Callable[[], Awaitable[T]],
    build: Callable[[T], dict[str, Any]],
) -> PayloadT:
    """What every mutation does: run the use case, shape its result, or turn its refusals into `errors`.

    `use_case` is a thunk, so that decoding its arguments (global ids) fails inside the wrapper too.
    """
    try:
        result = await use_case()
    except UserError as exc:
        return payload(errors=[UserErrorType(field=exc.field, code=exc.code, message=exc.message)])
    except UserErrors as exc:
        return payload(
            errors=[UserErrorType(field=e.field, code=e.code, message=e.message) for e in exc.errors]
        )
    return payload(errors=[], **build(result))


# ---------------------------------------------------------------------------- connections


@strawberry.type(description="Where a page stands in its list.")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type(description="A node and its cursor.")
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type(description="A page of a list: `first`/`after` forward, `last`/`before` backward.")
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo
    _count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="How many items the whole list holds.")
    async def total_count(self) -> int:
        return await self._count()

    @classmethod
    def of(cls, result: Page[M], to_node: Callable[[M], T]) -> Connection[T]:
        cursors = result.cursors()
        return Connection(
            edges=[Edge(cursor=c, node=to_node(row)) for c, row in zip(cursors, result.rows, strict=True)],
            page_info=PageInfo(
                has_next_page=result.has_next,
                has_previous_page=result.has_previous,
                start_cursor=cursors[0] if cursors else None,
                end_cursor=cursors[-1] if cursors else None,
            ),
            _count=result.count,
        )


def window(
    info: Info,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
) -> Window:
    settings = info.context.settings
    return Window.of(
        first=first,
        after=after,
        last=last,
        before=before,
        max_size=settings.max_page_size,
        default_size=settings.default_page_size,
    )


async def connection(
    info: Info,
    queryset: QuerySet[M],
    to_node: Callable[[M], T],
    *,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
) -> Connection[T]:
    """One page of an ordered queryset as a connection; the rows it loads prime the request's loaders."""
    result = await page(queryset, window(info, first, after, last, before))
    for row in result.rows:
        info.context.loaders.prime(row)
    return Connection.of(result, to_node)


def list_connection(
    info: Info,
    rows: Sequence[Any],
    to_node: Callable[[Any], T],
    *,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
) -> Connection[T]:
    """One page of a list already in memory, as a connection (same cursors as `connection`)."""
    return Connection.of(page_of(rows, window(info, first, after, last, before)), to_node)


def empty_connection() -> Connection[Any]:
    return Connection.of(empty_page(), lambda row: row)


async def nested_connection(
    info: Info,
    name: str,
    queryset: QuerySet[M],
    *,
    parent_column: str,
    parent_id: int,
    order: Sequence[str],
    to_node: Callable[[M], T],
    first: int | None,
    after: str | None,
) -> Connection[T]:
    """A page of a child list (`Consultation.messages`, `Pairing.visits`): the pages of every parent
    asked for in the request come from one windowed statement (`pages_by_parent`)."""
    w = window(info, first, after)

    async def batch(parent_ids: list[int]) -> list[Page[M]]:
        pages = await pages_by_parent(
            queryset, parent_column=parent_column, parent_ids=parent_ids, order=order, window=w
        )
        return [pages[p] for p in parent_ids]

    result = await info.context.loaders.get((name, w.first, w.after), batch).load(parent_id)
    return Connection.of(result, to_node)


# ---------------------------------------------------------------------------- nodes


class ModelNode(relay.Node):
    """A Relay node backed by a model row. Subclasses set `model`, `from_model` and `visible`."""

    model: ClassVar[type[Model]]

    @classmethod
    def from_model(cls, obj: Any) -> Self:
        raise NotImplementedError

    @classmethod
    async def visible(cls, info: Info, rows: Sequence[Any]) -> list[bool]:
        """Whether the principal may see each row through `node(id:)`; by default anyone logged in."""
        return [info.context.principal.authenticated] * len(rows)

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Sequence[str], required: bool = False
    ) -> list[Self | None]:
        ids = [int(i) if str(i).isdigit() else -1 for i in node_ids]
        rows = await info.context.loaders.by_id(cls.model).load_many(ids)
        found = [r for r in rows if r is not None]
        allowed = dict(zip((r.pk for r in found), await cls.visible(info, found), strict=True))
        return [cls.from_model(r) if r is not None and allowed.get(r.pk) else None for r in rows]

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> Self | None:
        """Federation: an entity by its `id` (a global id), with the caller's visibility; batched, since
        the references of one `_entities` call load through one DataLoader. A malformed or foreign id is null."""
        try:
            gid = relay.GlobalID.from_id(str(id))
        except (ValueError, TypeError):
            return None
        if gid.type_name != cls.__strawberry_definition__.name or not gid.node_id.isdigit():  # type: ignore[attr-defined]
            return None
        return (await cls.resolve_nodes(info=info, node_ids=[gid.node_id]))[0]

    @classmethod
    async def load_visible(cls, info: Info, pk: int | None) -> Self | None:
        """A related node through the same visibility as `node(id:)`: for links that must not show more
        than a direct lookup would (a record's order, a device's wearer)."""
        if pk is None:
            return None
        return (await cls.resolve_nodes(info=info, node_ids=[str(pk)]))[0]

    @classmethod
    async def load(cls, info: Info, pk: int | None) -> Self | None:
        if pk is None:
            return None
        row = await info.context.loaders.by_id(cls.model).load(pk)
        return cls.from_model(row) if row is not None else None


def decode_id(global_id: strawberry.ID | str, *types: type[ModelNode] | str, field: str = "id") -> int:
    """The database id of a global ID of one of `types` (classes or GraphQL type names); a typed error otherwise."""
    names = {t if isinstance(t, str) else t.__strawberry_definition__.name for t in types}  # type: ignore[attr-defined]
    try:
        gid = relay.GlobalID.from_id(str(global_id))
        if types and gid.type_name not in names:
            raise ValueError
        return int(gid.node_id)
    except (ValueError, TypeError) as exc:
        raise UserError(
            ErrorCode.INVALID, f"`{field}` is not the id of a {' or '.join(sorted(names))}", field
        ) from exc


def decode_optional(
    global_id: strawberry.ID | str | None, *types: type[ModelNode] | str, field: str
) -> int | None:
    return None if global_id is None else decode_id(global_id, *types, field=field)


def encode_id(type_name: str, pk: int) -> str:
    return global_id(type_name, pk)


# ---------------------------------------------------------------------------- geo


@strawberry.type(description="A point on the earth, WGS-84 degrees.")
class GeoPoint:
    lat: float
    lng: float

    @classmethod
    def maybe(cls, lat: float | None, lng: float | None) -> GeoPoint | None:
        return None if lat is None or lng is None else cls(lat=lat, lng=lng)


@strawberry.input(description="A point on the earth, WGS-84 degrees.")
class GeoPointInput:
    lat: float
    lng: float
