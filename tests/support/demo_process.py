"""Running `caseline demo` as a subprocess for acceptance tests."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from support.databases import fresh_database_url

ROOT = Path(__file__).parents[2]
ACCEPTANCE = ROOT.parent / "shared" / "acceptance"
_URL = re.compile(r"GraphQL \+ GraphiQL\s+(http://\S+)/graphql")


@dataclass
class Demo:
    """A running demo: its base URL, state directory and process."""

    base_url: str
    state_dir: Path
    process: subprocess.Popen[str]
    output: list[str] = field(default_factory=list)
    reader: threading.Thread | None = None
    # The options choosing its engine, for starting it again on the same state.
    engine_args: tuple[str, ...] = ()

    def token(self, persona: str) -> str:
        """A dev token for ``persona`` from `caseline dev-token`."""
        result = subprocess.run(
            [sys.executable, "-m", "deploy.cli", "dev-token", persona, "--state-dir",
             str(self.state_dir)], capture_output=True, text=True, check=True, cwd=ROOT)
        return result.stdout.strip()

    def graphql(self, operation: str, variables: dict[str, object] | None = None,
                persona: str | None = None, headers: dict[str, str] | None = None
                ) -> dict[str, object]:
        """POST an acceptance operation (by file name) or a query text; returns the JSON body."""
        path = ACCEPTANCE / operation
        query = path.read_text() if operation.endswith(".graphql") else operation
        all_headers = dict(headers or {})
        if persona:
            all_headers["Authorization"] = f"Bearer {self.token(persona)}"
        response = httpx.post(f"{self.base_url}/graphql", headers=all_headers, timeout=15,
                              json={"query": query, "variables": variables or {}})
        body: dict[str, object] = response.json()
        return body

    def stop(self) -> int:
        """Ctrl-C the demo and wait for a clean exit; returns the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                _kill_all(self.process)
                self.process.wait()
        if self.reader is not None:
            self.reader.join(timeout=10)
        if self.process.stdout is not None:
            self.process.stdout.close()
        return self.process.returncode


def _kill_all(process: subprocess.Popen[str]) -> None:
    # The demo and the adapters it started: they share the session it was started in.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def start_demo(state_dir: Path, *args: str, timeout_s: float = 240.0) -> Demo:
    """Start `caseline demo --port 0` and wait for its banner."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "deploy.cli", "demo", "--port", "0", "--state-dir",
         str(state_dir), *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        cwd=ROOT, env=env, start_new_session=True)
    assert process.stdout is not None
    lines: list[str] = []
    found: list[str] = []
    ready = threading.Event()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            match = _URL.search(line)
            if match:
                found.append(match.group(1))
            if "Press Ctrl-C to stop." in line:
                ready.set()
        ready.set()

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    deadline = time.monotonic() + timeout_s
    while not ready.wait(0.2):
        if time.monotonic() > deadline:
            _kill_all(process)
            raise TimeoutError("demo did not start:\n" + "".join(lines))
    if not found or process.poll() is not None:
        _kill_all(process)
        process.wait()
        reader.join(timeout=10)
        process.stdout.close()
        raise RuntimeError("demo failed to start:\n" + "".join(lines))
    return Demo(found[0], state_dir, process, lines, reader)


ENGINES = ("embedded", "postgres")


@contextmanager
def demo_on(engine: str, state_dir: Path, *args: str) -> Iterator[Demo]:
    """`caseline demo` with ``--engine engine``: embedded as it is; postgres on a PostgreSQL
    schema of its own (its URL's search_path must reach every process), the machine's Redis
    and NATS (the demo's stream is deleted afterwards)."""
    if engine == "embedded":
        running = start_demo(state_dir, *args)
        try:
            yield running
        finally:
            running.stop()
        return
    with fresh_database_url("postgresql", state_dir) as url:
        engine_args = ("--engine", "postgres", "--database-url", url)
        running = start_demo(state_dir, *engine_args, *args)
        running.engine_args = engine_args
        try:
            yield running
        finally:
            running.stop()
            asyncio.run(_delete_stream(state_dir))


def module_demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
                cases: int) -> Iterator[Demo]:
    """A module's demo on the engine ``request.param`` names (a fixture parametrized over
    ENGINES: the operations pass on both), with ``cases`` generated cases per agency; it must
    stop cleanly."""
    with demo_on(request.param, tmp_path_factory.mktemp("state"), "--cases",
                 str(cases)) as running:
        yield running
        assert running.stop() == 0


async def _delete_stream(state_dir: Path) -> None:
    import nats
    import nats.js.errors

    from aggregator.state import StatePaths
    from deploy.commands.engine_options import LOCAL_SERVICES
    from deploy.demo.run import demo_stream

    settings = demo_stream(StatePaths(state_dir), LOCAL_SERVICES["nats_url"])
    nc = await nats.connect(settings.url, connect_timeout=2)
    try:
        await nc.jetstream().delete_stream(settings.stream)
    except nats.js.errors.NotFoundError:
        pass
    finally:
        await nc.close()
