"""The development nginx (compose profile dev-nginx, seed 000), run here with Debian's nginx on loopback in
front of two stand-ins: the back end's paths reach the back end, everything else the Vite dev server (with
WebSocket upgrades passed through), and a burst that production's limits would refuse passes."""

import json
import re
import shutil
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from tests.monitoring.stack import tool
from tests.processes import BASE_DIR, wait_for
from tests.ratelimit.http import call
from tests.run_env import RUN_DIR, free_port, stop_process

NGINX = BASE_DIR / "deploy" / "nginx"
DEV_TEMPLATE = NGINX / "dev" / "erp-dev.conf.template"
BURST = 30  # production's auth zone lets 4 through at once (10r/m, burst 3); this one 31 (100r/m, burst 30)


class StandIn:
    """An HTTP server that answers every request with its own name and records the request headers."""

    def __init__(self, name: str):
        self.requests: list[tuple[str, str, dict]] = []
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                stand_in.requests.append((self.command, self.path, {k.lower(): v for k, v in self.headers.items()}))
                body = json.dumps({"served_by": name, "path": self.path}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.address = f"127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def render(template: Path, conf_dir: Path, variables: dict) -> Path:
    """deploy/nginx as the image lays it out: nginx.conf, mime.types and conf.d/ from the template, with the
    variables envsubst replaces."""
    tool("nginx")  # the package brings mime.types: without it, skip (or fail under CI) naming the package
    (conf_dir / "conf.d").mkdir(parents=True)
    shutil.copy(NGINX / "nginx.conf", conf_dir / "nginx.conf")
    shutil.copy("/etc/nginx/mime.types", conf_dir / "mime.types")
    server = template.read_text()
    for name, value in variables.items():
        server = server.replace("${" + name + "}", value)
    assert "${" not in server
    (conf_dir / "conf.d" / "erp.conf").write_text(server)
    return conf_dir


def nginx_command(conf_dir: Path, *args: str, directives: str = "") -> list[str]:
    return [tool("nginx"), "-p", str(conf_dir), "-c", str(conf_dir / "nginx.conf"),
            "-g", f"pid {conf_dir}/nginx.pid; {directives}", *args]


@pytest.fixture
def dev_nginx():
    backend, frontend = StandIn("backend"), StandIn("frontend")
    port = free_port()
    conf_dir = render(DEV_TEMPLATE, RUN_DIR / f"nginx-dev-{port}", {
        "ERP_UPSTREAM": backend.address, "ERP_FRONTEND_UPSTREAM": frontend.address,
        "ERP_LISTEN": f"127.0.0.1:{port}", "ERP_STATIC_ROOT": str(RUN_DIR / "static")})
    checked = subprocess.run(nginx_command(conf_dir, "-t"), capture_output=True, text=True)
    assert checked.returncode == 0 and "test is successful" in checked.stderr, checked.stderr
    nginx = subprocess.Popen(nginx_command(conf_dir, directives="daemon off;"), stdout=subprocess.DEVNULL,
                             stderr=(conf_dir / "error.log").open("ab"))
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _answers(f"{url}/healthz"), timeout=30, what="nginx")
        yield url, backend, frontend
    finally:
        stop_process(nginx)
        backend.server.shutdown()
        frontend.server.shutdown()


def test_the_dev_profile_runs_this_template_beside_the_back_end_on_8001():
    services = yaml.safe_load((BASE_DIR / "deploy" / "docker-compose.dev.yml").read_text())["services"]
    dev = services["nginx-dev"]
    assert dev["profiles"] == ["dev-nginx"]
    assert "./nginx/dev:/etc/nginx/templates:ro" in dev["volumes"]
    assert dev["environment"]["ERP_FRONTEND_UPSTREAM"].endswith(":5173")
    assert dev["environment"]["ERP_UPSTREAM"] == "web:8000"
    assert services["web"]["ports"] == ["127.0.0.1:8001:8000"]


def test_back_end_paths_reach_the_back_end_and_the_rest_the_front_end(dev_nginx):
    url, backend, frontend = dev_nginx

    served = {path: call("GET", url + path).body["served_by"]
              for path in ("/api/data-sync/user-task-count", "/api/docs/", "/admin/", "/healthz", "/readyz",
                           "/", "/src/main.ts", "/@vite/client", "/reports/daily")}

    assert served == {"/api/data-sync/user-task-count": "backend", "/api/docs/": "backend", "/admin/": "backend",
                      "/healthz": "backend", "/readyz": "backend", "/": "frontend", "/src/main.ts": "frontend",
                      "/@vite/client": "frontend", "/reports/daily": "frontend"}
    assert all(headers["x-real-ip"] == "127.0.0.1" for _, _, headers in backend.requests)


def test_websocket_upgrades_reach_vite(dev_nginx):
    url, _, frontend = dev_nginx

    call("GET", f"{url}/?token=hmr", headers={"Upgrade": "websocket", "Connection": "Upgrade"})

    (_, _, headers), = [r for r in frontend.requests if r[1] == "/?token=hmr"]
    assert (headers["upgrade"], headers["connection"]) == ("websocket", "upgrade")


def test_limits_are_looser_than_production(dev_nginx):
    url, backend, _ = dev_nginx
    production = (NGINX / "templates" / "erp.conf.template").read_text()
    development = DEV_TEMPLATE.read_text()
    rate = r"zone={}:10m rate=(\d+)r/m"
    assert int(re.search(rate.format("dev_general"), development)[1]) > int(re.search(rate.format("general"), production)[1])
    assert int(re.search(rate.format("dev_auth"), development)[1]) > int(re.search(rate.format("auth"), production)[1])

    answers = [call("POST", f"{url}/api/auth/token", body={"username": "x", "password": "y"}, source="127.0.0.61")
               for _ in range(BURST)]

    assert [a.status for a in answers] == [200] * BURST
    assert sum(1 for method, path, _ in backend.requests if path == "/api/auth/token") == BURST


def _answers(url: str) -> bool:
    try:
        return call("GET", url).status == 200
    except OSError:
        return False
