"""The contract's own operations, sent as the clients send them, and small helpers for the members' tests."""

from __future__ import annotations

import functools
from typing import Any

from graphql import OperationDefinitionNode, parse, print_ast

from schema.base import encode_id
from tests.conftest import contract_dir


@functools.cache
def _operations() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in sorted(contract_dir().glob("*.graphql")):
        for node in parse(path.read_text()).definitions:
            if isinstance(node, OperationDefinitionNode) and node.name:
                found[node.name.value] = print_ast(node)
    return found


def op(name: str) -> str:
    """The contract's operation `name`, exactly as its client sends it."""
    return _operations()[name]


def gid(type_name: str, row: Any) -> str:
    return encode_id(type_name, row if isinstance(row, int) else row.id)


def codes(payload: dict[str, Any]) -> list[str]:
    return [e["code"] for e in payload["errors"]]
