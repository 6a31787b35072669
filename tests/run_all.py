"""Run the suite on SQLite, then again on PostgreSQL + Redis when both are reachable."""

from __future__ import annotations

import os
import socket
import subprocess
import sys


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def run(backend: str, extra: list[str]) -> int:
    print(f"\n=== zhili test suite on {backend} ===", flush=True)
    env = dict(os.environ, ZHILI_TEST_BACKEND=backend)
    return subprocess.call([sys.executable, "-m", "pytest", "-q", *extra], env=env)


def main() -> int:
    extra = sys.argv[1:]
    status = run("sqlite", extra)
    if reachable("127.0.0.1", 5432) and reachable("127.0.0.1", 6379):
        status = run("postgres", extra) or status
    elif os.environ.get("CI"):
        print("PostgreSQL or Redis is not reachable, and CI needs both", file=sys.stderr)
        return 1
    else:
        print("\nPostgreSQL or Redis is not reachable: skipped the PostgreSQL + Redis run", flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
