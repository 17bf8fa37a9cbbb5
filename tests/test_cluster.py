"""Scale-out: Sandi on a real three-master Redis Cluster."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import create_app
from app.store import keys
from tests.support.redis_cluster import RedisClusterProcesses
from tests.support.twilio_webhooks import Twilio, inbound_form

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Iterator[RedisClusterProcesses]:
    processes = RedisClusterProcesses(Path(tmp_path_factory.mktemp("cluster"))).start()
    yield processes
    processes.stop()


@pytest.fixture
def cluster_app(cluster, app_config):
    cluster.client().flushall()  # our own private cluster, not the machine's server
    app_config["REDIS_URL"] = cluster.url
    return create_app(app_config)


def test_turns_run_on_the_cluster_and_spread_over_every_master(cluster, cluster_app) -> None:
    twilio = Twilio(cluster_app.test_client())
    senders = [f"+62812000{i:05d}" for i in range(30)]
    for sender in senders:
        form = inbound_form("halo", sender=sender)
        first = twilio.post(form)
        assert first.status_code == 200
        assert twilio.post(form).get_data() == first.get_data()  # dedupe on the cluster too
    client = cluster.client()
    for sender in senders:
        session = json.loads(client.get(keys.session(f"wa:{sender}")))
        assert len(session["history"]) == 1
    per_master = cluster.keys_per_master()
    assert all(count > 0 for count in per_master), per_master


def test_readiness_on_the_cluster(cluster_app) -> None:
    assert cluster_app.test_client().get("/readyz").status_code == 200
