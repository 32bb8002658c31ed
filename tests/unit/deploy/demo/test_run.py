"""What the demo hands its extra gateway processes: the spec on the command line without the
URLs that may hold a password, those in the worker's environment."""

from __future__ import annotations

from pathlib import Path

from aggregator.state import StatePaths
from deploy.demo.run import GatewaySpec, demo_stream

DATABASE = "postgresql+psycopg://app:hunter2@db:5432/caseline?options=-csearch_path%3Dprod"


def _spec() -> GatewaySpec:
    return GatewaySpec("/state", "127.0.0.1", {"courts": 1}, 5.0, 2, "ca.pem", "c.pem",
                       "k.pem", database_url=DATABASE, redis_url="redis://:hunter2@r:6379/0",
                       nats_url="nats://127.0.0.1:4222")


def test_the_command_line_spec_holds_no_password_and_the_environment_completes_it() -> None:
    spec = _spec()
    assert "hunter2" not in spec.to_json()
    assert GatewaySpec.from_json(spec.to_json(), spec.secrets_env()) == spec
    # Without the variable the worker falls back to the embedded defaults, never a guess.
    alone = GatewaySpec.from_json(spec.to_json())
    assert (alone.database_url, alone.redis_url, alone.nats_url) == (
        "", "", "nats://127.0.0.1:4222")


def test_each_installation_has_its_own_stream(tmp_path: Path) -> None:
    """Demos sharing a NATS server never share a stream, subjects or consumer; one state
    directory always gets the same."""
    first = demo_stream(StatePaths(tmp_path / "a"), "nats://127.0.0.1:4222")
    second = demo_stream(StatePaths(tmp_path / "b"), "nats://127.0.0.1:4222")
    assert first == demo_stream(StatePaths(tmp_path / "a"), "nats://127.0.0.1:4222")
    assert first.stream != second.stream and first.consumer != second.consumer
    assert first.subject_prefix != second.subject_prefix
    first.check(30.0)
