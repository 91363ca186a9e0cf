"""keel_bench's sweep rows (bench/sweep_bench.cpp; issue 15's speed targets).

    PYTHONPATH=BUILD/python /usr/bin/python3 bench/python/sweep_speed.py KEEL [--scale F]

KEEL is the `keel` executable; its `keel gen-data` writes the data (seeded,
so every run of this script measures the same points) into a temporary
folder, removed at exit. One point is a whole run: one keel.sma_cross
strategy on 8 instruments over 500 days of 1-minute bars (binary files, 1.5 M
bars), about 0.3-0.5 s on the 2-core machine of docs/benchmarks.md. The
sweep is an 8 x 8 grid over the strategy's fast and slow windows: 64 points.

After an untimed one-point sweep (this process's imports), the same sweep is
timed (wall clock, everything keel.sweep does but the tearsheet: checks, the
points, best/) three ways:
  serial  keel.sweep(jobs=1): the points one after another in this process,
          the reference;
  pool2   keel.sweep(jobs=2): two spawned local worker processes
          (their start-up included);
  dask1   keel.sweep(client=...) on a Dask scheduler and ONE single-threaded
          worker process on 127.0.0.1, both started (and the worker's first
          connection made) before timing, killed after.
The three results.csv must be byte-identical and every point completed;
otherwise it says why on stderr and exits 1.

Prints one JSON line on stdout: {"points", "serial_s", "pool2_s", "dask1_s",
"speedup_pool2" (serial / pool2; target >= 1.8), "dask_overhead_ms_per_point"
((dask1 - serial) / points, in ms; target < 50), "point_s" (serial / points),
"tearsheet_s" (report.html and best/report.html, which the timed sweeps
skip with report=False: the coordinator writes them whatever the executor),
"parallel_ceiling" (2 x run_alone_s / run_pair_s: one `keel run` of a point
alone, and two side by side: what this machine gives two processes of this
run, the pool's ceiling), "serial_cpu_s", "pool2_cpu_s" (CPU
time of this process and the pool's workers during each), "instruments", "days", "bars" (the
events of one point's run)}.
--scale F (default 1) multiplies the days (at least 1), for a quick run.
"""
import argparse
import json
import os
import pathlib
import resource
import subprocess
import sys
import tempfile
import time

INSTRUMENTS = [f"S{i}" for i in range(1, 9)]
DAYS = 500                       # two years of weekdays
QUOTES_PER_DAY = 8000            # gen-data's bars come from its trades (a quarter of these)
FAST = list(range(5, 45, 5))     # 8 values
SLOW = list(range(50, 130, 10))  # 8 values, all above every fast


def say(message):
    sys.stderr.write(f"sweep_speed: {message}\n")
    sys.stderr.flush()


def fail(message):
    say(message)
    sys.exit(1)


def write_inputs(keel_binary, folder, days):
    """The data (keel gen-data), the base run file and the sweep file."""
    data = folder / "data"
    if not os.access(keel_binary, os.X_OK):
        fail(f"{keel_binary} is not an executable: give the keel binary (build/bin/keel)")
    generated = subprocess.run(
        [keel_binary, "gen-data", "--out", str(data), "--instruments", ",".join(INSTRUMENTS),
         "--days", str(days), "--kind", "bars", "--seed", "15", "--binary",
         "--quotes-per-day", str(QUOTES_PER_DAY)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if generated.returncode != 0:
        fail(f"{keel_binary} gen-data failed ({generated.returncode}): {generated.stderr.strip()}")
    files = sorted(generated.stdout.split())
    if len(files) != len(INSTRUMENTS):
        fail(f"keel gen-data wrote {files}, expected one file per instrument")
    base = {
        "run": {"name": "sweep_speed", "seed": 15, "currency": "USD", "initial_cash": 10000000,
                "equity_interval": "5m"},
        "instruments": [{"id": s, "kind": "equity", "tick_size": 0.01, "lot_size": 1}
                        for s in INSTRUMENTS],
        "data": [{"path": os.path.relpath(f, folder), "format": "binary"} for f in files],
        "venue": {"order_latency_ns": 250000, "report_latency_ns": 0, "maker_fee_bps": -0.2,
                  "taker_fee_bps": 0.5, "fee_per_order": 0.35},
        "risk": {"max_order_quantity": 5000, "max_position": 10000, "max_open_orders": 20},
        "strategies": [{"name": "trend", "factory": "keel.sma_cross", "instruments": INSTRUMENTS,
                        "params": {"fast": 10, "slow": 60, "quantity": 100}}],
    }
    (folder / "base.json").write_text(json.dumps(base, indent=2) + "\n")
    sweep = {
        "base": "base.json",
        "parameters": {"/strategies/0/params/fast": FAST, "/strategies/0/params/slow": SLOW},
        "objective": "sharpe",
    }
    path = folder / "sweep.json"
    path.write_text(json.dumps(sweep, indent=2) + "\n")
    # One point, run untimed first: what keel.sweep imports into this process
    # once (pandas, the tearsheet's plotly: about 2 s) is then not charged to
    # whichever sweep is timed first.
    warm_up = dict(sweep, parameters={"/strategies/0/params/fast": FAST[:1]})
    (folder / "warm_up.json").write_text(json.dumps(warm_up, indent=2) + "\n")
    return path


class Cluster:
    """A Dask scheduler and one single-threaded worker process on 127.0.0.1
    (as tests/python/library/test_sweep_dask.py starts them); stop() kills both."""

    def __init__(self, folder):
        import distributed
        self.folder = folder
        self.processes = []
        self.client = None
        file = folder / "scheduler.json"
        try:
            self._start("scheduler", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
                        "--port", "0", "--scheduler-file", str(file), "--no-dashboard")
            self._start("worker", "distributed.cli.dask_worker", "--scheduler-file", str(file),
                        "--nworkers", "1", "--nthreads", "1", "--no-nanny", "--no-dashboard",
                        "--local-directory", str(folder), "--death-timeout", "30")
            self.client = distributed.Client(scheduler_file=str(file), timeout=60,
                                             set_as_default=False)
            self.client.wait_for_workers(1, timeout=60)
        except BaseException:
            self.stop()
            raise

    def _start(self, name, module, *args):
        # The worker imports keel from the same package as this process.
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(
            os.path.abspath(p) for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p))
        with open(self.folder / f"{name}.log", "wb") as log:
            self.processes.append(subprocess.Popen(
                [sys.executable, "-m", module, *args], env=env, cwd=self.folder, stdout=log,
                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL))

    def stop(self):
        if self.client is not None:
            self.client.close()
        for process in self.processes:
            if process.poll() is None:
                process.kill()
            process.wait()


def cpu_seconds():
    """CPU time of this process and of its children that ended (a local
    pool's workers, once the sweep has shut them down)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), \
        resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed_sweep(sweep_file, output, **executor):
    """(wall seconds, CPU seconds, events of point 0) of one keel.sweep."""
    import keel
    start, cpu = time.perf_counter(), cpu_seconds()
    result = keel.sweep(str(sweep_file), output_dir=str(output), report=False, **executor)
    seconds, cpu = time.perf_counter() - start, cpu_seconds() - cpu
    if result.status != "completed":
        failed = result.table[result.table["status"] != "completed"]
        first = "" if failed.empty else \
            f"; point {failed.index[0]}: {failed.iloc[0]['status']} {failed.iloc[0]['error']}"
        fail(f"the sweep with {executor} ended {result.status}{first}")
    return seconds, cpu, int(result.table["events"].iloc[0])


def parallel_ceiling(keel_binary, folder, rounds=3):
    """What this machine gives two copies of one point's run side by side:
    2 x (one `keel run` alone) / (two at once), best of `rounds` each. The
    runs read the same data, so memory and caches are shared as in a pool:
    2.0 is perfect, and no executor can beat this figure."""
    base = json.loads((folder / "base.json").read_text())
    base["output"] = {"dir": "out"}
    (folder / "point.json").write_text(json.dumps(base))

    def run(*outputs):
        start = time.perf_counter()
        processes = [subprocess.Popen([keel_binary, "run", str(folder / "point.json"), "--output",
                                       str(folder / out)], stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL) for out in outputs]
        if any(p.wait() != 0 for p in processes):
            fail(f"keel run {folder / 'point.json'} failed")
        return time.perf_counter() - start
    alone = min(run("a") for _ in range(rounds))
    pair = min(run("a", "b") for _ in range(rounds))
    return alone, pair


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("keel", help="the keel executable (for keel gen-data)")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="multiplies the days of data (default 1)")
    args = parser.parse_args(argv)
    if not args.scale > 0:
        fail(f"--scale must be above 0, not {args.scale}")
    days = max(1, round(DAYS * args.scale))

    import keel  # noqa: F401  (imported before timing: the serial sweep runs in this process)
    with tempfile.TemporaryDirectory(prefix="keel-sweep-speed-") as temp:
        folder = pathlib.Path(temp)
        sweep_file = write_inputs(args.keel, folder, days)
        points = len(FAST) * len(SLOW)

        timed_sweep(folder / "warm_up.json", folder / "warm_up", jobs=1)
        serial, serial_cpu, bars = timed_sweep(sweep_file, folder / "serial", jobs=1)
        say(f"serial: {serial:.2f} s ({serial / points * 1e3:.0f} ms a point), "
            f"CPU {serial_cpu:.2f} s")
        pool2, pool2_cpu, _ = timed_sweep(sweep_file, folder / "pool2", jobs=2)
        # Below 2 cores busy on average, the machine did not give the pool
        # both cores (other work; Linux's autogroup shares CPU per session).
        say(f"2 local processes: {pool2:.2f} s ({serial / pool2:.2f}x), CPU {pool2_cpu:.2f} s "
            f"(this process and its workers): {pool2_cpu / pool2:.2f} cores busy on average")
        cluster_folder = folder / "dask"
        cluster_folder.mkdir()
        cluster = Cluster(cluster_folder)
        try:
            dask1, _, _ = timed_sweep(sweep_file, folder / "dask1", client=cluster.client)
        finally:
            cluster.stop()
        say(f"Dask, 1 worker: {dask1:.2f} s ({(dask1 - serial) / points * 1e3:.1f} ms a point "
            "over serial)")

        # Part of every sweep above, for the report: the tearsheet keel.sweep
        # writes at the end (report.html and best/report.html), in the
        # coordinating process whatever the executor, once more on its own.
        from keel._tearsheet import sweep_page
        start = time.perf_counter()
        sweep_page(folder / "serial")
        tearsheet = time.perf_counter() - start
        say(f"the tearsheet, not in the timings above (report=False): {tearsheet:.2f} s")
        alone, pair = parallel_ceiling(args.keel, folder)
        ceiling = 2 * alone / pair
        say(f"two `keel run`s of one point side by side: {ceiling:.2f}x the throughput of one "
            "(this machine's ceiling for this run)")

        reference = (folder / "serial" / "results.csv").read_bytes()
        for name in ("pool2", "dask1"):
            table = (folder / name / "results.csv").read_bytes()
            if table != reference:
                lines, expected = table.split(b"\n"), reference.split(b"\n")
                line = next((i for i, (a, b) in enumerate(zip(lines, expected)) if a != b),
                            min(len(lines), len(expected)))
                fail(f"{name}'s results.csv differs from the serial sweep's at line {line + 1}: "
                     f"{lines[line] if line < len(lines) else '(ends)'!r} against "
                     f"{expected[line] if line < len(expected) else '(ends)'!r}")

    print(json.dumps({
        "points": points, "serial_s": serial, "pool2_s": pool2, "dask1_s": dask1,
        "speedup_pool2": serial / pool2,
        "dask_overhead_ms_per_point": (dask1 - serial) / points * 1e3,
        "point_s": serial / points, "tearsheet_s": tearsheet, "parallel_ceiling": ceiling,
        "run_alone_s": alone, "run_pair_s": pair,
        "serial_cpu_s": serial_cpu, "pool2_cpu_s": pool2_cpu, "instruments": len(INSTRUMENTS),
        "days": days,
        "bars": bars}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
