"""deploy/redis.conf loaded by a real redis-server: persistent (AOF and RDB) and never evicting."""

import subprocess

import pytest
import redis

from tests.processes import BASE_DIR, wait_for
from tests.run_env import RUN_DIR, free_port, stop_process


def test_redis_conf_starts_a_persistent_non_evicting_server():
    port = free_port()
    data_dir = RUN_DIR / f"redis-conf-{port}"
    data_dir.mkdir()
    # The file's own port, bind address and data directory are for production; a test server overrides them.
    server = subprocess.Popen(["redis-server", str(BASE_DIR / "deploy" / "redis.conf"), "--port", str(port),
                               "--bind", "127.0.0.1", "--dir", str(data_dir)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        client = redis.Redis(port=port)
        wait_for(lambda: _pings(client), timeout=30, what="redis-server with deploy/redis.conf")
        config = client.config_get("*")
        assert config["appendonly"] == "yes" and config["appendfsync"] == "everysec"
        assert config["save"] == "900 1 300 10 60 10000"
        assert config["maxmemory-policy"] == "noeviction" and int(config["maxmemory"]) == 1024 ** 3

        client.config_set("maxmemory", "2mb")  # full, quickly
        with pytest.raises(redis.exceptions.OutOfMemoryError):
            for i in range(100):
                client.set(f"k{i}", "x" * 100_000)
        assert client.exists("k0") == 1  # nothing was evicted to make room
        assert any(data_dir.glob("appendonlydir/*.aof"))
    finally:
        stop_process(server)


def _pings(client) -> bool:
    try:
        return client.ping()
    except redis.exceptions.ConnectionError:
        return False
