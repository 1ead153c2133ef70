"""The nginx of deploy/nginx (Debian's nginx) in front of gunicorn on loopback: the configuration
passes `nginx -t`, a burst past limit_req is refused with 429 in the JSON envelope, and the app sees
the client's address from X-Real-IP."""

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.processes import BASE_DIR, start_web, wait_for, worker_env
from tests.ratelimit.http import call, window_fresh
from tests.run_env import RUN_DIR, free_port, stop_process
from tests.tools import debian_tool

pytestmark = [pytest.mark.worker, pytest.mark.usefixtures("nginx_binary")]
DEPLOY = BASE_DIR / "deploy" / "nginx"


@pytest.fixture(scope="module")
def nginx_binary() -> str:
    return debian_tool("nginx", package="nginx")


def nginx_configure(upstream: str, port: int) -> Path:
    """deploy/nginx as the image would lay it out: nginx.conf, mime.types, conf.d/ rendered from the
    template with the same variables envsubst replaces."""
    conf_dir = RUN_DIR / f"nginx-{port}"
    (conf_dir / "conf.d").mkdir(parents=True)
    (conf_dir / "static").mkdir()
    shutil.copy(DEPLOY / "nginx.conf", conf_dir / "nginx.conf")
    shutil.copy("/etc/nginx/mime.types", conf_dir / "mime.types")
    server = (DEPLOY / "templates" / "erp.conf.template").read_text()
    for name, value in {"ERP_UPSTREAM": upstream, "ERP_LISTEN": f"127.0.0.1:{port}",
                        "ERP_STATIC_ROOT": str(conf_dir / "static")}.items():
        server = server.replace("${" + name + "}", value)
    assert "${" not in server
    (conf_dir / "conf.d" / "erp.conf").write_text(server)
    return conf_dir


def nginx_command(conf_dir: Path, *args: str, directives: str = "") -> list[str]:
    return ["nginx", "-p", str(conf_dir), "-c", str(conf_dir / "nginx.conf"),
            "-g", f"pid {conf_dir}/nginx.pid; {directives}", *args]


def answers(url: str) -> bool:
    try:
        return call("GET", url).status == 200
    except OSError:
        return False


@pytest.fixture
def proxied(transactional_db):
    web, upstream = start_web(worker_env(RATE_LIMIT_ENABLED="true", RATE_LIMIT_TRUSTED_PROXIES="127.0.0.1"))
    port = free_port()
    conf_dir = nginx_configure(upstream.removeprefix("http://"), port)
    checked = subprocess.run(nginx_command(conf_dir, "-t"), capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    assert "test is successful" in checked.stderr
    nginx = subprocess.Popen(nginx_command(conf_dir, directives="daemon off;"), stdout=subprocess.DEVNULL,
                             stderr=(conf_dir / "error.log").open("ab"))
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: answers(f"{url}/healthz"), timeout=30, what="nginx")
        yield url
    finally:
        stop_process(nginx)
        stop_process(web)


def test_the_app_sees_the_client_address_from_x_real_ip(proxied):
    # my-info needs a login (seed 000): the app's own 429 names the key. The auth zone passes 4 at once and
    # the app allows an anonymous address 3 a minute, so the 4th is the app's, in one fresh window.
    source = "127.0.0.42"
    window_fresh(proxied, source=source)

    answers = [call("POST", f"{proxied}/api/auth/token", body={"username": "x", "password": "y"}, source=source)
               for _ in range(4)]

    assert [a.status for a in answers] == [400, 400, 400, 429], [(a.status, a.body) for a in answers]
    detail = answers[-1].body["error"]["detail"]
    assert (detail["rate_limit_type"], detail["rate_limit_key"]) == ("auth", f"ip:{source}")


def test_metrics_are_not_served_through_nginx(proxied):
    assert call("GET", f"{proxied}/metrics").status == 403


def test_a_burst_past_limit_req_is_refused_by_nginx_in_the_envelope(proxied):
    source = "127.0.0.43"

    answers = [call("POST", f"{proxied}/api/auth/token", body={"username": "x", "password": "y"}, source=source)
               for _ in range(8)]

    by_nginx = [a for a in answers if a.status == 429 and a.body["error"]["detail"]["rate_limit_type"] == "proxy"]
    assert by_nginx, [(a.status, a.body) for a in answers]
    refused = by_nginx[0]
    assert refused.body["success"] is False and refused.body["error"]["code"] == "rate_limited"
    assert refused.body["error"]["detail"]["rate_limit_key"] == f"ip:{source}"
    assert refused.header("Retry-After") == "60" and refused.header("Content-Type") == "application/json"
    # auth zone: 10 a minute, burst 3 → the first 4 pass nginx and the app answers them itself
    assert all(a.body["error"]["detail"] is None or a.body["error"]["detail"].get("rate_limit_type") != "proxy"
               for a in answers[:4]), [a.body for a in answers[:4]]
