"""The client contract as a ratchet: every document in ../shared/contract validates against our schema.

Operations of domains not built yet are listed in PENDING with the domain that will deliver them.
The test fails when an unlisted operation does not validate, and when a listed one starts to
validate (take it off the list), so the list only shrinks.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import build_schema, parse, validate
from graphql.language import DocumentNode, FragmentDefinitionNode, OperationDefinitionNode

from api.settings import Settings
from schema.root import build_schema as build_zhili_schema

CONTRACT = Path(__file__).resolve().parents[2] / "shared" / "contract"

#: operation -> the domain (issue) that will make it validate
PENDING: dict[str, str] = {}


def operations() -> list[tuple[str, DocumentNode]]:
    """Each operation of the contract with the fragments it spreads, as its own document."""
    found = []
    for path in sorted(CONTRACT.glob("*.graphql")):
        doc = parse(path.read_text(encoding="utf-8"))
        fragments = [d for d in doc.definitions if isinstance(d, FragmentDefinitionNode)]
        for op in doc.definitions:
            if isinstance(op, OperationDefinitionNode) and op.name and op.loc:
                text = op.loc.source.body[op.loc.start : op.loc.end]
                used = [f for f in fragments if f"...{f.name.value}" in text]
                found.append((op.name.value, DocumentNode(definitions=(op, *used))))
    return found


@pytest.fixture(scope="module")
def sdl_schema():  # type: ignore[no-untyped-def]
    return build_schema(build_zhili_schema(Settings()).as_str(), assume_valid_sdl=True)


def test_contract_is_there() -> None:
    assert len(operations()) >= 60, f"expected the client contract in {CONTRACT}"


@pytest.mark.parametrize("name,document", operations(), ids=[n for n, _ in operations()])
def test_operation_validates_unless_pending(name: str, document: DocumentNode, sdl_schema) -> None:  # type: ignore[no-untyped-def]
    errors = validate(sdl_schema, document)
    if name in PENDING:
        assert errors, f"{name} validates now: take it off PENDING ({PENDING[name]})"
    else:
        assert not errors, f"{name}: " + "; ".join(e.message for e in errors)


def test_pending_names_exist() -> None:
    names = {n for n, _ in operations()}
    assert set(PENDING) <= names, set(PENDING) - names
