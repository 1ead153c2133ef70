"""Processes of the monitoring and deploy tests: gunicorn with the production config, a worker serving its
metrics, beat, the celery and postgres exporters, Debian's prometheus and alertmanager; a /metrics scrape
parsed into samples."""

import re
import subprocess
import sys
import urllib.request
import uuid
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from tests.processes import BASE_DIR, http_json, wait_for
from tests.run_env import RUN_DIR, free_port, stop_process
from tests.tools import debian_tool

START_TIMEOUT_S = 90
# name -> (binaries, Debian package); Debian names AlertManager's binary prometheus-alertmanager.
TOOLS = {"promtool": (["promtool"], "prometheus"), "amtool": (["amtool"], "prometheus-alertmanager"),
         "prometheus": (["prometheus"], "prometheus"),
         "alertmanager": (["prometheus-alertmanager", "alertmanager"], "prometheus-alertmanager"),
         "systemd-analyze": (["systemd-analyze"], "systemd"),
         "postgres-exporter": (["prometheus-postgres-exporter", "postgres_exporter"], "prometheus-postgres-exporter"),
         "nginx": (["nginx"], "nginx")}


def tool(name: str) -> str:
    """Path of a Debian binary the tests run."""
    binaries, package = TOOLS[name]
    return debian_tool(*binaries, package=package)


def run_tool(name: str, *args: str, cwd: Path = BASE_DIR) -> subprocess.CompletedProcess:
    return subprocess.run([tool(name), *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def scrape(url: str) -> dict[str, list[tuple[dict, float]]]:
    """Sample name (with _total, _bucket... suffixes) -> [(labels, value)]."""
    with urllib.request.urlopen(url, timeout=30) as response:
        text = response.read().decode()
    samples: dict[str, list[tuple[dict, float]]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append((sample.labels, sample.value))
    return samples


def value(samples: dict, metric: str, /, **labels) -> float | None:
    """The one sample of `metric` whose labels include `labels`; None when absent."""
    found = [v for sample_labels, v in samples.get(metric, []) if labels.items() <= sample_labels.items()]
    assert len(found) <= 1, f"{metric}{labels} matches {len(found)} samples"
    return found[0] if found else None


class Processes:
    """Starts processes with logs under the run directory; stop_all() ends each one it started."""

    def __init__(self):
        self.started: list[tuple[subprocess.Popen, Path]] = []

    def start(self, name: str, cmd: list[str], env: dict, **popen) -> subprocess.Popen:
        log_path = RUN_DIR / f"{name}-{uuid.uuid4().hex[:6]}.log"
        log = log_path.open("ab")
        process = subprocess.Popen(cmd, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, **popen)
        self.started.append((process, log_path))
        return process

    def log(self, process: subprocess.Popen) -> str:
        path = next(p for proc, p in self.started if proc is process)
        return path.read_text(errors="replace")

    def stop_all(self, dump_logs: bool = False):
        for process, log_path in reversed(self.started):
            stop_process(process)
            if dump_logs:
                print(f"--- {log_path.name}\n" + log_path.read_text(errors="replace")[-4000:])

    def web(self, env: dict, workers: int = 2) -> str:
        """gunicorn with deploy/gunicorn.conf.py, its multiprocess directory fresh; returns the base URL."""
        port = free_port()
        metrics_dir = RUN_DIR / f"web-metrics-{port}"
        env = {**env, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir), "GUNICORN_BIND": f"127.0.0.1:{port}",
               "GUNICORN_WORKERS": str(workers)}
        process = self.start("gunicorn", [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py",
                                          "erp.wsgi:application"], env)
        url = f"http://127.0.0.1:{port}"
        self._wait(process, lambda: http_json("GET", f"{url}/healthz")[0] == 200, "gunicorn")
        return url

    def worker(self, env: dict, name: str, metrics_port: int | None = None, include: str | None = None,
               concurrency: int = 1, host: str = "%h") -> subprocess.Popen:
        """A celery worker in a process group of its own (so a test can SIGKILL it with its children)."""
        extra = {}
        if metrics_port:
            metrics_dir = RUN_DIR / f"worker-metrics-{uuid.uuid4().hex[:6]}"
            metrics_dir.mkdir()
            extra = {"ERP_WORKER_METRICS_PORT": str(metrics_port), "ERP_WORKER_METRICS_ADDR": "127.0.0.1",
                     "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
        cmd = [sys.executable, "-m", "celery", "-A", "erp", "worker", "-Q", "data_sync,data_processing,scheduled",
               "-c", str(concurrency), "-n", f"{name}@{host}", "--without-mingle", "--without-gossip",
               "--loglevel", "INFO", *(["--include", include] if include else [])]
        process = self.start(f"worker-{name}", cmd, {**env, **extra}, start_new_session=True)
        self._wait(process, lambda: " ready." in self.log(process), f"worker {name}")
        return process

    def beat(self, env: dict) -> subprocess.Popen:
        """celery beat on the database scheduler with a schedule file of its own; ready once it started."""
        schedule = RUN_DIR / f"beat-{uuid.uuid4().hex[:6]}.schedule"
        process = self.start("beat", [sys.executable, "-m", "celery", "-A", "erp", "beat", "--loglevel", "INFO",
                                      "--schedule", str(schedule)], env)
        self._wait(process, lambda: "beat: Starting" in self.log(process), "celery beat")
        return process

    def exporter(self, env: dict, **options: str) -> str:
        """deploy/celery-exporter.sh on a free port, CE_* options on top of the script's; returns its URL."""
        port = free_port()
        ce = {"CE_BROKER_URL": env["CELERY_BROKER_URL"], "CE_PORT": str(port), "CE_HOST": "127.0.0.1", **options}
        process = self.start("exporter", ["deploy/celery-exporter.sh"], {**env, **ce})
        url = f"http://127.0.0.1:{port}"
        self._wait(process, lambda: _answers(f"{url}/health"), "celery exporter")
        return url

    def postgres_exporter(self, env: dict) -> str:
        """Debian's prometheus-postgres-exporter on the env's database (DATABASE_URL); returns its URL."""
        port = free_port()
        dsn = env["DATABASE_URL"] + ("&" if "?" in env["DATABASE_URL"] else "?") + "sslmode=disable"
        process = self.start("postgres-exporter", [tool("postgres-exporter"), f"--web.listen-address=127.0.0.1:{port}"],
                             {**env, "DATA_SOURCE_NAME": dsn})
        url = f"http://127.0.0.1:{port}"
        self._wait(process, lambda: _answers(f"{url}/metrics") and value(scrape(f"{url}/metrics"), "pg_up") == 1,
                   "postgres exporter")
        return url

    def _wait(self, process: subprocess.Popen, ready, what: str):
        def check():
            if process.poll() is not None:
                raise AssertionError(f"{what} exited:\n{self.log(process)[-3000:]}")
            return ready()

        wait_for(check, timeout=START_TIMEOUT_S, interval=0.3, what=what)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


PROMQL_GROUPING = r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)"
PROMQL_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool",
                   "offset"}


def promql_metric_names(expr: str) -> set[str]:
    """Metric names a PromQL expression reads: identifiers that are not functions, keywords, labels
    (in matchers or grouping clauses), strings or durations."""
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', "", expr)
    expr = re.sub(r"\{[^}]*\}|\[[^\]]*\]", "", expr)
    expr = re.sub(PROMQL_GROUPING, "", expr)
    names = set(re.findall(r"\b[a-zA-Z_:][a-zA-Z0-9_:]*\b(?!\s*\()", expr))
    return {name for name in names if name not in PROMQL_KEYWORDS}
