"""The GraphQL endpoint passes the whole ``graphql-http`` server audit suite.

Starts a real uvicorn server on a free loopback port, serving a schema through
``api.graphql_http.GraphQLView`` at ``/graphql``, and runs
``tests/audit/audit.mjs`` (the npm package ``graphql-http``'s ``serverAudits``)
against it: every MUST, SHOULD and MAY must pass.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import strawberry
import uvicorn
from starlette.applications import Starlette
from starlette.routing import Route, WebSocketRoute
from strawberry.schema.base import BaseSchema

from api.graphql_http import GraphQLView

AUDIT_DIR = Path(__file__).resolve().parent / "audit"
SERVER_START_TIMEOUT_S = 20.0
NPM_CI_TIMEOUT_S = 300.0
AUDIT_TIMEOUT_S = 180.0


@pytest.fixture
def audit_schema() -> BaseSchema:
    """The schema the audit runs against: swap in the app's real schema here."""

    @strawberry.type
    class Query:
        @strawberry.field
        def hello(self) -> str | None:
            return "world"

    counter = {"value": 0}

    @strawberry.type
    class Mutation:
        @strawberry.mutation
        def bump(self) -> int | None:
            counter["value"] += 1
            return counter["value"]

    return strawberry.Schema(query=Query, mutation=Mutation)


def _build_app(schema: BaseSchema) -> Starlette:
    view: GraphQLView = GraphQLView(schema, multipart_uploads_enabled=True)
    return Starlette(
        routes=[Route("/graphql", view), WebSocketRoute("/graphql", view)],
    )


def _wait_for_port(port: int, server_thread: threading.Thread, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not server_thread.is_alive():
            raise RuntimeError("uvicorn exited before it started serving")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"uvicorn did not listen on 127.0.0.1:{port} within {timeout}s")


@contextmanager
def _serve(app: Starlette) -> Iterator[int]:
    """Serve ``app`` on a free loopback port in a thread; yield the port."""
    # Bound here and handed to uvicorn, so no other process can take the port
    # between choosing it and serving on it. Not listening yet: connections
    # are refused until uvicorn serves, which is what the wait polls for.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port: int = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        _wait_for_port(port, thread, SERVER_START_TIMEOUT_S)
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def _ensure_audit_deps(npm: str | None) -> None:
    if (AUDIT_DIR / "node_modules" / "graphql-http").is_dir():
        return
    if npm is None:
        pytest.fail("tests/audit/node_modules is missing and npm is not on PATH")
    subprocess.run(
        [npm, "ci", "--prefix", str(AUDIT_DIR), "--no-audit", "--no-fund"],
        check=True,
        timeout=NPM_CI_TIMEOUT_S,
    )


def test_graphql_http_server_audits_all_pass(audit_schema: BaseSchema) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not on PATH; the graphql-http audit needs Node.js")
    _ensure_audit_deps(shutil.which("npm"))

    with _serve(_build_app(audit_schema)) as port:
        proc = subprocess.run(
            [node, str(AUDIT_DIR / "audit.mjs"), f"http://127.0.0.1:{port}/graphql"],
            capture_output=True,
            text=True,
            timeout=AUDIT_TIMEOUT_S,
        )

    report = proc.stdout + proc.stderr
    failures = [line for line in proc.stdout.splitlines() if line.startswith("FAIL ")]
    assert proc.returncode == 0, f"graphql-http audit failed:\n{report}"
    assert not failures, report
    assert proc.stdout.rstrip().splitlines()[-1].endswith(" 0 failed"), report
