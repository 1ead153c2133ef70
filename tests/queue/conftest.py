"""Fixtures of the queue tests."""

import subprocess
import uuid

import pytest


@pytest.fixture
def rabbitmq_vhost():
    """A vhost of its own on the machine's RabbitMQ, removed afterwards (the server itself is shared)."""
    vhost = f"erp_test_{uuid.uuid4().hex[:8]}"
    subprocess.run(["rabbitmqctl", "add_vhost", vhost], check=True, capture_output=True, timeout=60)
    subprocess.run(["rabbitmqctl", "set_permissions", "-p", vhost, "guest", ".*", ".*", ".*"], check=True,
                   capture_output=True, timeout=60)
    yield f"amqp://guest:guest@127.0.0.1:5672/{vhost}"
    subprocess.run(["rabbitmqctl", "delete_vhost", vhost], capture_output=True, timeout=60)
