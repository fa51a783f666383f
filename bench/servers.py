"""uvicorn servers in subprocesses on 127.0.0.1, started and stopped by the benchmark."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

HOST = "127.0.0.1"
REPO_ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT_SECONDS = 60.0


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Server:
    """A running uvicorn subprocess."""

    name: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://{HOST}:{self.port}"

    def log_tail(self, lines: int = 30) -> str:
        """The last lines the server wrote (for error messages)."""
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def _wait_ready(server: Server, health_path: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited at start-up:\n{server.log_tail()}")
        try:
            if httpx.get(server.base_url + health_path, timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(
        f"{server.name} not ready after {START_TIMEOUT_SECONDS}s:\n{server.log_tail()}"
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@contextmanager
def uvicorn_server(
    name: str, factory: str, env: dict[str, str], *, health_path: str = "/healthz"
) -> Iterator[Server]:
    """Serve ``factory`` (``module:function``) with one uvicorn process until the block ends."""
    port = free_port()
    command = [
        sys.executable, "-m", "uvicorn", "--factory", factory,
        "--host", HOST, "--port", str(port),
        "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    process_env = {**os.environ, **env}
    process_env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(REPO_ROOT), process_env.get("PYTHONPATH", "")) if p
    )
    log_file = tempfile.NamedTemporaryFile(  # noqa: SIM115 - kept open for the process' lifetime
        prefix=f"bench-{name}-", suffix=".log", delete=False
    )
    process = subprocess.Popen(
        command, cwd=REPO_ROOT, env=process_env, stdout=log_file, stderr=subprocess.STDOUT
    )
    server = Server(name=name, port=port, process=process, log_path=Path(log_file.name))
    try:
        _wait_ready(server, health_path)
        yield server
    finally:
        _stop(process)
        log_file.close()
        Path(log_file.name).unlink(missing_ok=True)
