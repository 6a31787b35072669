"""Real `zhili serve` processes for tests that need a server over the network (audits, several processes)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ZHILI = [sys.executable, "-m", "api.cli"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, proc: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listened on 127.0.0.1:{port} within {timeout}s")


def zhili_env(**overrides: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "ZHILI_ENV": "test",
            "ZHILI_ARGON2_TIME_COST": "1",
            "ZHILI_ARGON2_MEMORY_COST": "1024",
            "ZHILI_ARGON2_PARALLELISM": "1",
            "ZHILI_LOG_LEVEL": "WARNING",
        }
    )
    env.update(overrides)
    return env


def run_cli(*args: str, env: dict[str, str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*ZHILI, *args], cwd=ROOT, env=env, input=stdin, capture_output=True, text=True, timeout=120
    )


@contextmanager
def serve(env: dict[str, str]) -> Iterator[int]:
    """`zhili serve` on a free loopback port; yields the port, stops the server afterwards."""
    port = free_port()
    proc = subprocess.Popen(
        [*ZHILI, "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_for_port(port, proc)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
