"""Shared helpers of the benchmark harness: child processes, medians, machine facts, tables.

Every measured program runs in a child process of its own, so its wall time, CPU time and
peak memory are its own (``os.wait4`` returns the child's resource usage) and never include
the simulated AWS, which runs in the harness process. Nothing here talks to AWS.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
DATA_DIR = BENCH_DIR / ".data"
RESULTS_DIR = BENCH_DIR / "results"
CLIENT = BENCH_DIR / "client.py"


class BenchmarkError(RuntimeError):
    """A measured program failed, or a result broke an exact expectation (call counts)."""


@dataclass
class ChildRun:
    """One finished child process: its output and what it cost."""

    returncode: int
    wall_s: float
    cpu_s: float
    max_rss_mb: float
    stdout: str
    stderr: str
    report: dict[str, Any] = field(default_factory=dict)


# A forked child's peak RSS starts at its parent's: Linux carries the high-water mark of the
# address space it had before exec. The harness holds the simulated AWS (hundreds of MB), so
# peak RSS is taken from GNU time, whose own footprint is a couple of MB, when it exists.
_GNU_TIME = shutil.which("time", path="/usr/bin:/bin")


def run_child(
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    stdin_text: str | None = None,
    ok_codes: Sequence[int] = (0,),
    timeout_s: float = 3600.0,
) -> ChildRun:
    """Run ``argv`` to completion; wall time from outside, CPU from wait4, peak RSS.

    Output goes through temporary files, not pipes, so a chatty child cannot block and the
    harness does not compete with it while it runs. The last stdout line, if it is a JSON
    object, becomes ``report`` (the client programs print their own timings that way).
    """
    with (
        tempfile.TemporaryFile("w+", encoding="utf-8") as out,
        tempfile.TemporaryFile("w+", encoding="utf-8") as err,
        tempfile.TemporaryFile("w+", encoding="utf-8") as given,
        tempfile.NamedTemporaryFile("r", encoding="utf-8", suffix=".rss") as rss_file,
    ):
        if stdin_text is not None:
            given.write(stdin_text)
            given.seek(0)
        command = list(argv)
        if _GNU_TIME is not None:
            command = [_GNU_TIME, "-f", "%M", "-o", rss_file.name, *command]
        started = time.perf_counter()
        process = subprocess.Popen(
            command,
            stdin=given if stdin_text is not None else subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            env=dict(env) if env is not None else None,
            cwd=str(REPO_DIR),
        )
        # wait4 blocks without holding the GIL: the simulated AWS keeps serving meanwhile.
        timer = threading.Timer(timeout_s, process.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
        max_rss_kb = float(usage.ru_maxrss)  # Linux reports kilobytes
        if _GNU_TIME is not None:
            lines = rss_file.read().strip().splitlines()
            if lines and lines[-1].strip().isdigit():
                max_rss_kb = float(lines[-1].strip())
            # GNU time reports a failed command on stderr's last line and exits with its code.
            stderr = "\n".join(
                line for line in stderr.splitlines() if not line.startswith("Command exited")
            )
    run = ChildRun(
        returncode=process.returncode,
        wall_s=wall,
        cpu_s=usage.ru_utime + usage.ru_stime,
        max_rss_mb=max_rss_kb / 1024.0,
        stdout=stdout,
        stderr=stderr,
    )
    if run.returncode not in ok_codes:
        tail = stderr.strip().splitlines()[-15:]
        raise BenchmarkError(
            f"{' '.join(str(a) for a in argv[:5])} ... exited {run.returncode}:\n" + "\n".join(tail)
        )
    lines = stdout.strip().splitlines()
    if lines and lines[-1].startswith("{"):
        with contextlib.suppress(ValueError):
            run.report = json.loads(lines[-1])
    return run


def client_argv(mode: str, *args: str) -> list[str]:
    """The command line of one of the measured client programs in ``client.py``."""
    return [sys.executable, str(CLIENT), mode, *args]


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values)) if values else float("nan")


def ratio(numerator: float, denominator: float) -> float | None:
    if not denominator:
        return None
    return round(numerator / denominator, 2)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _ram_gb() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def _version(distribution: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def _git_commit() -> str | None:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPO_DIR,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return done.stdout.strip() or None


def machine_info() -> dict[str, Any]:
    return {
        "cpu_model": _cpu_model(),
        "cores": os.cpu_count(),
        "ram_gb": _ram_gb(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "os": f"{platform.system()} {platform.release()}",
        "boto3": _version("boto3"),
        "botocore": _version("botocore"),
        "moto": _version("moto"),
        "dormant_commit": _git_commit(),
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        # Other work on the machine skews timings; the load shows how busy it was.
        "load_average_at_start": [round(v, 2) for v in os.getloadavg()],
        "peak_rss_from": "GNU time" if _GNU_TIME else "wait4 (includes the parent's RSS at fork)",
    }


def fmt_seconds(value: float | None) -> str:
    if value is None:
        return "-"
    if value < 1:
        return f"{value * 1000:.0f} ms"
    return f"{value:.2f} s"


def fmt_ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:g}x"


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain-text table, columns padded to their widest cell."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)


def log(message: str) -> None:
    """Progress on stderr, so that stdout holds only the tables."""
    print(f"[{datetime.now(UTC).strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class ServerClock:
    """Time spent inside the simulated AWS's WSGI application, summed over requests.

    Installed around moto's WSGI app in this process (a middleware, by wrapping the app
    class's ``__call__``), so that the time the simulator itself needs to build a response
    (moto serialises a 1,000-role page in seconds) can be told apart from the client's.
    The injected latency is slept inside the app and is therefore part of ``seconds``.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.seconds = 0.0
        self.requests = 0
        self.cpu_mark = time.process_time()

    def install(self) -> None:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication

        original = DomainDispatcherApplication.__call__
        if getattr(original, "_bench_clock", None) is not None:
            return
        clock = self

        def timed(app: Any, environ: Any, start_response: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(app, environ, start_response)
            finally:
                elapsed = time.perf_counter() - started
                with clock._lock:
                    clock.seconds += elapsed
                    clock.requests += 1

        timed._bench_clock = clock  # type: ignore[attr-defined]
        DomainDispatcherApplication.__call__ = timed  # type: ignore[method-assign, assignment]

    def reset(self) -> None:
        with self._lock:
            self.seconds = 0.0
            self.requests = 0
            self.cpu_mark = time.process_time()

    def read(self) -> tuple[float, int]:
        with self._lock:
            return self.seconds, self.requests


server_clock = ServerClock()
