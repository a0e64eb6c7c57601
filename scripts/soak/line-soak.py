#!/usr/bin/env python3
"""A line of leak-test stations under load: N emulated rigs, N `coldtray station` processes,
one shared PostgreSQL store, scans arriving on the stations' APIs for a set time.

Each rig leaks at a known rate (`LEAKS_SCCM`, cycled over the stations), so the verdicts are
known in advance: a station whose rig leaks more than the recipe's limit fails every tray,
the others pass them all. At the end the script checks, from the store itself, that every
accepted test has exactly one record, that the fails are exactly the leaking stations' tests,
and that the measured leak rates reproduce the injected ones; it runs `coldtray records
report` over the store, and keeps one SSE follower per station for the whole run (the feed
the operator page draws from) to show each station's live state never went quiet.

    python3 scripts/soak/line-soak.py --out /tmp/soak --stations 10 --time-scale 10 \
        --duration-s 1800

Needs: a built `coldtray` (target/release/coldtray, or --coldtray), PostgreSQL server binaries
(scripts/postgres/test-cluster.sh starts a throw-away cluster; run as root), and
optionally `chromium` for one screenshot of each station's page at the end. Python's standard
library only. Not part of CI (it runs for half an hour); see docs/notes/line-soak.md.
"""

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter, defaultdict

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Injected leak rates, sccm, one per station in turn; the recipe's limit is 0.5 sccm.
LEAKS_SCCM = [0.0, 0.1, 0.0, 0.3, 0.0, 0.8, 0.0, 0.2, 2.0, 0.0]
LIMIT_SCCM = 0.5


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def http(method, url, body=None, timeout=10.0):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        try:
            return e.code, json.loads(e.read() or b"null")
        except ValueError:
            return e.code, None


def wait_http(url, proc, deadline_s=60.0):
    end = time.time() + deadline_s
    while time.time() < end:
        if proc.poll() is not None:
            raise SystemExit(f"the process serving {url} exited with {proc.returncode}")
        try:
            code, _ = http("GET", url, timeout=2.0)
            if code == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"no answer from {url} within {deadline_s} s")


class Follower(threading.Thread):
    """Reads a station's SSE stream for the whole run: counts events and the longest silence."""

    def __init__(self, url):
        super().__init__(daemon=True)
        self.url = url
        self.events = Counter()
        self.longest_gap_s = 0.0
        self.reconnects = 0
        self.stop = False

    def run(self):
        last = time.time()
        while not self.stop:
            try:
                with urllib.request.urlopen(self.url, timeout=30) as r:
                    for raw in r:
                        now = time.time()
                        line = raw.decode(errors="replace").strip()
                        if line.startswith("event:"):
                            self.events[line[6:].strip()] += 1
                            self.longest_gap_s = max(self.longest_gap_s, now - last)
                            last = now
                        if self.stop:
                            return
            except OSError:
                self.reconnects += 1
                time.sleep(0.5)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--stations", type=int, default=10)
    ap.add_argument("--time-scale", type=float, default=10.0)
    ap.add_argument("--duration-s", type=float, default=1800.0)
    ap.add_argument("--coldtray", default=os.path.join(REPO, "target/release/coldtray"))
    ap.add_argument("--recipe", default=os.path.join(REPO, "examples/rig/l10-vr200.toml"))
    args = ap.parse_args()
    exe = os.path.abspath(args.coldtray)
    out = os.path.abspath(args.out)
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    procs = []

    def stop_all():
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=60)
            except subprocess.TimeoutExpired:
                p.kill()

    # The line's store: a throw-away cluster and a database of its own.
    env_line = subprocess.check_output(
        ["bash", os.path.join(REPO, "scripts/postgres/test-cluster.sh")], text=True
    ).strip()
    base = env_line.split("=", 1)[1]
    db_url = base.rsplit("/", 1)[0] + "/line"
    host_port = base.split("@", 1)[1].split("/", 1)[0]
    host, port = host_port.split(":")
    subprocess.check_call(
        ["psql", "-h", host, "-p", port, "-U", "coldtray", "-d", "postgres", "-q", "-c",
         "CREATE DATABASE line"],
        env={**os.environ, "PGPASSWORD": "coldtray"},
    )
    print(f"store: {db_url}", flush=True)

    stations = []
    try:
        for i in range(args.stations):
            sid = f"line1-st{i + 1:02d}"
            d = os.path.join(out, sid)
            os.makedirs(d)
            leak = LEAKS_SCCM[i % len(LEAKS_SCCM)]
            rig_port, web_port = free_port(), free_port()
            emu = subprocess.Popen(
                [exe, "emulate", "--map", os.path.join(REPO, "examples/rig/map.toml"),
                 "--listen", f"127.0.0.1:{rig_port}", "--time-scale", str(args.time_scale),
                 "--seed", str(i + 1), "--leak-sccm", str(leak)],
                stdout=open(os.path.join(d, "emulator.log"), "w"), stderr=subprocess.STDOUT,
            )
            procs.append(emu)
            cfg = os.path.join(d, "station.toml")
            with open(cfg, "w") as f:
                f.write(
                    f'id = "{sid}"\nmap = "{REPO}/examples/rig/map.toml"\n'
                    f'connect = "127.0.0.1:{rig_port}"\n'
                    f'db = "{db_url}"\nrecords = "{d}/records"\n'
                    f'operators = ["op{i + 1}"]\nserial_pattern = "VR200-[0-9]{{6}}"\n'
                    f'listen = "127.0.0.1:{web_port}"\ntime_scale = {args.time_scale}\n'
                    f'[[recipes]]\nmatch = "VR200-*"\nfile = "{os.path.abspath(args.recipe)}"\n'
                    f'[retest]\nmax = 0\nreason_after_fail = true\n'
                )
            os.makedirs(os.path.join(d, "records"))
            stations.append(dict(id=sid, dir=d, leak=leak, url=f"http://127.0.0.1:{web_port}",
                                 cfg=cfg, accepted=[], refused=Counter()))
        time.sleep(1.0)
        for s in stations:
            st = subprocess.Popen(
                [exe, "station", "--config", s["cfg"], "--no-scanner"],
                stdout=open(os.path.join(s["dir"], "station.log"), "w"),
                stderr=subprocess.STDOUT, cwd=s["dir"],
            )
            procs.append(st)
            s["proc"] = st
        for s in stations:
            wait_http(s["url"] + "/api/status", s["proc"])
            s["follower"] = Follower(s["url"] + "/api/events")
            s["follower"].start()
        print(f"{len(stations)} stations up; scanning for {args.duration_s:.0f} s", flush=True)

        started = time.time()
        serial_no = [0]
        lock = threading.Lock()

        def scan_loop(s, k):
            while time.time() - started < args.duration_s:
                try:
                    code, st = http("GET", s["url"] + "/api/status")
                except OSError:
                    time.sleep(1.0)
                    continue
                if code == 200 and not st.get("test"):
                    with lock:
                        serial_no[0] += 1
                        serial = f"VR200-{serial_no[0]:06d}"
                    code, body = http("POST", s["url"] + "/api/tests",
                                      {"serial": serial, "operator": f"op{k + 1}"})
                    if code == 202:
                        s["accepted"].append(serial)
                    else:
                        s["refused"][f"{code} {(body or {}).get('field', '')}"] += 1
                time.sleep(0.5)

        threads = [threading.Thread(target=scan_loop, args=(s, k), daemon=True)
                   for k, s in enumerate(stations)]
        for t in threads:
            t.start()
        next_report = started + 60
        while any(t.is_alive() for t in threads):
            time.sleep(1.0)
            if time.time() >= next_report:
                next_report += 60
                n = sum(len(s["accepted"]) for s in stations)
                print(f"  {time.time() - started:6.0f} s: {n} tests started", flush=True)
        # Let the last tests finish.
        for s in stations:
            end = time.time() + 120
            while time.time() < end:
                code, st = http("GET", s["url"] + "/api/status")
                if code == 200 and not st.get("test"):
                    break
                time.sleep(0.5)
        wall_s = time.time() - started
        # One screenshot of each station's page (what an operator sees), if Chromium is here.
        chromium = shutil.which("chromium")
        if chromium:
            for s in stations:
              try:
                subprocess.run(
                    [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                     "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync",
                     f"--user-data-dir={s['dir']}/chromium", "--window-size=1280,800",
                     "--timeout=5000",
                     f"--screenshot={s['dir']}/page.png", s["url"] + "/"],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60,
                )
              except subprocess.TimeoutExpired:
                print(f"{s['id']}: no screenshot (Chromium timed out)", flush=True)
        for s in stations:
            s["follower"].stop = True
    finally:
        stop_all()

    # The store's account of the run.
    rows = json.loads(subprocess.check_output(
        [exe, "records", "--db", db_url, "--include-dry-runs", "--format", "json",
         "--journal", os.path.join(out, "journal")], text=True))
    report_dir = os.path.join(out, "report")
    subprocess.check_call(
        [exe, "records", "--db", db_url, "--include-dry-runs", "--journal",
         os.path.join(out, "journal"), "report", "--out", report_dir],
        stdout=subprocess.DEVNULL)
    by_station = defaultdict(list)
    for r in rows:
        by_station[r.get("station_id")].append(r)
    problems = []
    summary = []
    serial_counts = Counter(r["serial"] for r in rows)
    dup = [k for k, v in serial_counts.items() if v != 1]
    if dup:
        problems.append(f"serials with more than one record: {dup[:5]}")
    for s in stations:
        recs = by_station.get(s["id"], [])
        accepted = set(s["accepted"])
        got = {r["serial"] for r in recs}
        if got != accepted:
            problems.append(f"{s['id']}: {len(accepted)} tests accepted, {len(recs)} records; "
                            f"missing {sorted(accepted - got)[:3]}, extra {sorted(got - accepted)[:3]}")
        outcomes = Counter(r["outcome"] for r in recs)
        leaks = [r["leak_sccm"] for r in recs if r.get("leak_sccm") is not None]
        mean = sum(leaks) / len(leaks) if leaks else float("nan")
        expect = "fail" if s["leak"] > LIMIT_SCCM else "pass"
        wrong = [r for r in recs if r["outcome"] not in (expect, "aborted")]
        if wrong:
            problems.append(f"{s['id']}: {len(wrong)} verdicts other than {expect}")
        f = s["follower"]
        summary.append(dict(
            station=s["id"], injected_sccm=s["leak"], tests=len(recs),
            outcomes=dict(outcomes), mean_leak_sccm=round(mean, 4),
            min_leak_sccm=round(min(leaks), 4) if leaks else None,
            max_leak_sccm=round(max(leaks), 4) if leaks else None,
            refused=dict(s["refused"]), sse_events=dict(f.events),
            sse_longest_gap_s=round(f.longest_gap_s, 2), sse_reconnects=f.reconnects,
        ))
    result = dict(wall_s=round(wall_s, 1), time_scale=args.time_scale, stations=summary,
                  records=len(rows), problems=problems)
    with open(os.path.join(out, "soak.json"), "w") as fh:
        json.dump(result, fh, indent=2)
    print(json.dumps(result, indent=2))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
