"""The gateway's keepalive pings and the SDK server's ping policy agree: an idle channel
stays connected instead of being closed with GOAWAY "too_many_pings"."""

from __future__ import annotations

import asyncio
from pathlib import Path

import grpc
import pytest

from adapters.sdk import AdapterServer, InMemoryCaseSource, build_servicer
from adapters.sdk import server as sdk_server
from aggregator.federation import client
from caseline.v1 import agency_adapter_pb2 as pb
from caseline.v1 import agency_adapter_pb2_grpc as pb_grpc
from support import fake_agency

pytestmark = pytest.mark.integration

# gRPC sends at most one ping a second, whatever the keepalive time: the shortest useful
# test interval. A default server closes such a channel after three idle pings.
TEST_KEEPALIVE_MS = 1_000
IDLE_S = 4.5


def test_production_client_interval_is_one_the_server_accepts() -> None:
    assert client.KEEPALIVE_TIME_MS >= sdk_server.MIN_PING_INTERVAL_MS
    # ... and no shorter than a gRPC server's default minimum, for agencies' own servers.
    assert client.KEEPALIVE_TIME_MS >= 300_000
    options = dict(client.channel_options())
    assert options["grpc.keepalive_time_ms"] == client.KEEPALIVE_TIME_MS
    server_options = dict(sdk_server.server_options())
    assert server_options["grpc.keepalive_permit_without_calls"] == 1
    assert (server_options["grpc.http2.min_ping_interval_without_data_ms"]
            == sdk_server.MIN_PING_INTERVAL_MS)


async def test_an_idle_gateway_channel_stays_connected(jwks_path: Path) -> None:
    server = AdapterServer(build_servicer(fake_agency.profile(), InMemoryCaseSource([]),
                                          jwks_path),
                           min_ping_interval_ms=TEST_KEEPALIVE_MS // 2)
    port = await server.start()
    channel = grpc.aio.insecure_channel(
        f"127.0.0.1:{port}", options=client.channel_options(TEST_KEEPALIVE_MS))
    changes: list[grpc.ChannelConnectivity] = []

    async def watch() -> None:
        state = channel.get_state()
        while True:
            await channel.wait_for_state_change(state)
            state = channel.get_state()
            changes.append(state)

    try:
        stub = pb_grpc.AgencyAdapterStub(channel)
        await stub.Describe(pb.DescribeRequest(), timeout=5)
        assert channel.get_state() == grpc.ChannelConnectivity.READY
        watcher = asyncio.ensure_future(watch())
        await asyncio.sleep(IDLE_S)  # idle on purpose: several keepalive pings go out
        # A GOAWAY would have taken the channel to IDLE (and a call would reconnect).
        assert changes == []
        assert channel.get_state() == grpc.ChannelConnectivity.READY
        await stub.Describe(pb.DescribeRequest(), timeout=5)
        assert changes == []
        watcher.cancel()
    finally:
        await channel.close()
        await server.stop(0)
