"""The GraphQL endpoint passes the whole ``graphql-http`` server audit suite.

Starts the real server (`zhili serve`) on a free loopback port and runs
``tests/audit/audit.mjs`` (the npm package ``graphql-http``'s ``serverAudits``)
against it: every MUST, SHOULD and MAY must pass.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import BACKEND
from tests.servers import run_cli, serve, zhili_env

AUDIT_DIR = Path(__file__).resolve().parent / "audit"
NPM_CI_TIMEOUT_S = 300.0
AUDIT_TIMEOUT_S = 180.0


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


@pytest.mark.skipif(BACKEND != "sqlite", reason="the audit checks HTTP, not the database: run it once")
def test_graphql_http_server_audits_all_pass(tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not on PATH; the graphql-http audit needs Node.js")
    _ensure_audit_deps(shutil.which("npm"))

    env = zhili_env(
        ZHILI_DATABASE_URL=f"sqlite://{tmp_path}/audit.sqlite3", ZHILI_MEDIA_DIR=str(tmp_path / "media")
    )
    assert run_cli("migrate", env=env).returncode == 0
    with serve(env) as port:
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
