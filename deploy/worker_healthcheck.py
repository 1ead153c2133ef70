"""The worker containers' healthcheck: is the celery worker named <node>@... alive in this container?

A process check, as seed 001 chose it over `celery inspect ping`: ping goes through the broker and the
worker's control channel, so a broker blip marks every worker unhealthy at once, and each check starts a
Celery + Django client (seconds of CPU). Whether a worker consumes is the CeleryWorkerDown alert's job
(heartbeats, through the exporter). Usage: python deploy/worker_healthcheck.py data_sync  (exit 0: alive)."""

import sys

import psutil

# A stopped (SIGSTOP, a debugger) or zombie main process takes no work although it exists.
NOT_ALIVE = {psutil.STATUS_ZOMBIE, psutil.STATUS_STOPPED, psutil.STATUS_TRACING_STOP, psutil.STATUS_DEAD}


def node_name(cmdline: list[str]) -> str | None:
    """The -n / --hostname of a `celery worker` command line, None for anything else."""
    if "worker" not in cmdline or not any("celery" in part for part in cmdline):
        return None
    for index, part in enumerate(cmdline):
        if part in ("-n", "--hostname") and index + 1 < len(cmdline):
            return cmdline[index + 1]
        if part.startswith("--hostname="):
            return part.split("=", 1)[1]
    return None


def worker_main_processes(node: str) -> list[psutil.Process]:
    """Main processes of the workers named node@...: their prefork children share the command line, so
    a match whose parent matches too is a child."""
    matching = {}
    for process in psutil.process_iter(["pid", "ppid", "cmdline"]):
        name = node_name(process.info["cmdline"] or [])
        if name and name.startswith(f"{node}@"):
            matching[process.info["pid"]] = process
    return [p for p in matching.values() if p.info["ppid"] not in matching]


def main(node: str) -> int:
    seen = []
    for process in worker_main_processes(node):
        try:
            status = process.status()
        except psutil.NoSuchProcess:
            continue
        if status not in NOT_ALIVE:
            print(f"worker {node}@ alive: pid {process.pid} ({status})")
            return 0
        seen.append(f"pid {process.pid} is {status}")
    print(f"worker {node}@ not alive: {', '.join(seen)}" if seen else f"no celery worker named {node}@... is running")
    return 1


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: worker_healthcheck.py NODE  (the part before @ in the worker's -n)")
    sys.exit(main(sys.argv[1]))
