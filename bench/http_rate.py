"""Requests per second over HTTP (issue 15): `healthcamp serve` (gunicorn, 2 workers, as
shipped) driven by wrk on the same machine, per engine:

- a static file (whitenoise), the floor of what the server answers;
- a trivial authenticated API request: the token checked, the query refused (422);
- a consent-checked read: GET /participants/{id}?purpose=screening, which checks role,
  membership and consent, reads the record and appends an audit entry.

    .venv/bin/python bench/http_rate.py [--engine sqlite|postgresql|both] [--seconds 5]
        [--connections 8]

Needs wrk (Debian: `apt-get install --no-install-recommends wrk`). Prints each rate and
the ratios: the checked read against the trivial request (issue 15's goal: >= 0.4) and its
rate (goal: >= 1,000/s on 2 cores). wrk shares the 2 cores with the server.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._common import base_parser, run_engines, setup_django


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped at start (exit {server.returncode})")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the server did not start within 60 s")


def _wrk(url: str, *, seconds: int, connections: int, token: str) -> dict[str, float]:
    """wrk's rate and its count of answers other than 2xx/3xx."""
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    if token:
        command[1:1] = ["-H", f"Authorization: Bearer {token}"]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if rate is None:
        raise SystemExit(f"wrk said nothing measurable:\n{out}")
    odd = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    total = re.search(r"(\d+) requests in", out)
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    return {
        "rate": float(rate.group(1)),
        "requests": float(total.group(1)) if total else 0.0,
        "not_ok": float(odd.group(1)) if odd else 0.0,
        "p50_ms": float(p50.group(1)) * scale[p50.group(2)] if p50 else 0.0,
    }


def child(seconds: int, connections: int) -> dict[str, float]:
    setup_django()
    logging.getLogger("django.request").setLevel(logging.ERROR)
    from django.db import connections as databases

    from bench.request_cost import reader_and_person

    token, pid = reader_and_person()
    databases.close_all()

    port = _free_port()
    command = [str(Path(sys.executable).with_name("healthcamp")), "serve", "--port", str(port)]
    server = subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--workers", "2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    targets = {
        "static": (f"{base}/static/healthcamp/site.css", ""),
        "trivial": (f"{base}/api/v1/participants?card_code=X", token),
        "checked": (f"{base}/api/v1/participants/{pid}?purpose=screening", token),
    }
    try:
        _wait_for(port, server)
        found: dict[str, float] = {}
        for name, (url, token) in targets.items():
            _wrk(url, seconds=1, connections=connections, token=token)  # warm the workers
            best: dict[str, float] = {}
            for _ in range(2):
                got = _wrk(url, seconds=seconds, connections=connections, token=token)
                if not best or got["rate"] > best["rate"]:
                    best = got
            if name != "trivial" and best["not_ok"]:
                raise SystemExit(f"{name}: {best['not_ok']:.0f} answers were not 200")
            found |= {f"{name}_{key}": value for key, value in best.items()}
    finally:
        server.terminate()
        server.wait(timeout=30)
    return found


def main() -> int:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.seconds, args.connections)))
        return 0
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install --no-install-recommends wrk", file=sys.stderr)
        return 2
    load = os.getloadavg()[0]
    for result in run_engines("http_rate.py", args):
        checked, trivial, static = (
            float(str(result[f"{name}_rate"])) for name in ("checked", "trivial", "static")
        )
        print(
            f"{result['engine']:<10} static {static:,.0f}/s, trivial authenticated "
            f"{trivial:,.0f}/s (p50 {result['trivial_p50_ms']} ms), consent-checked read "
            f"{checked:,.0f}/s (p50 {result['checked_p50_ms']} ms): checked/trivial "
            f"{checked / trivial:.2f}x (goal >= 0.4), checked/static {checked / static:.2f}x, "
            f"{'meets' if checked >= 1000 else 'below'} 1,000/s; load average at start {load:.1f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
