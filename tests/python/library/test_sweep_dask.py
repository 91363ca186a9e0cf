"""keel's Dask executor (keel._dask.DaskExecutor) on a real cluster: a
scheduler and worker processes on 127.0.0.1 (python3 -m distributed.cli.*),
started by the fixtures below and killed at teardown."""
import functools
import json
import os
import pathlib
import signal
import socket
import subprocess
import sys

import pytest

import keel
from keel._dask import DaskExecutor

import distributed  # noqa: E402  (python3-distributed; CMake requires it)

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[2]
DEMO = ROOT / "config/examples/demo.json"


# ---- the points ----------------------------------------------------------------------------

from keel._sweep_points import PointTask, Requirements, SweepError, run_point  # noqa: E402


def demo_tasks():
    """demo.json at fast x slow = 3 x 2 points of its first strategy."""
    base = json.loads(DEMO.read_text())
    tasks = []
    for fast in (5, 10, 15):
        for slow in (30, 60):
            document = json.loads(json.dumps(base))
            document["strategies"][0]["params"].update(fast=fast, slow=slow)
            tasks.append(PointTask(index=len(tasks), document=document, source=str(DEMO),
                                   keep=False, log_level="warn"))
    return tasks


def kill_own_worker_once(task, marker, index):
    """run_point, except that the first attempt at point `index` SIGKILLs the
    worker process running it (the marker file says it happened)."""
    if task.index == index and not os.path.exists(marker):
        pathlib.Path(marker).touch()
        os.kill(os.getpid(), signal.SIGKILL)
    return run_point(task)


def kill_own_worker_always(task):
    os.kill(os.getpid(), signal.SIGKILL)


def collect(executor, tasks):
    results = []
    executor.run(tasks, results.append)
    return results


# ---- the cluster ---------------------------------------------------------------------------

class Cluster:
    """A scheduler and its worker processes on 127.0.0.1; stop() kills them all."""

    def __init__(self, folder, workers=2, scheduler_env=None):
        self.folder = pathlib.Path(folder)
        self.file = self.folder / "scheduler.json"
        self.file.unlink(missing_ok=True)  # an old one would send the client to a dead scheduler
        self.processes = []
        self.client = None
        try:
            env = dict(os.environ, **(scheduler_env or {}))
            self._start("scheduler", env, "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
                        "--port", "0", "--scheduler-file", str(self.file), "--no-dashboard")
            for _ in range(workers):
                self.add_worker()
            self.client = distributed.Client(scheduler_file=str(self.file), timeout=60,
                                             set_as_default=False)
            self.client.wait_for_workers(workers, timeout=60)
        except BaseException:
            self.stop()
            raise

    def worker_env(self, pythonpath=None):
        # The workers import keel and this module (the tests' point functions)
        # as pytest does; the sanitizer settings (LD_PRELOAD, ...) pass through.
        # The workers run in the cluster's folder: relative entries are made absolute.
        if pythonpath is None:
            inherited = [os.path.abspath(p) for p in os.environ.get("PYTHONPATH", "").split(
                os.pathsep) if p]
            pythonpath = os.pathsep.join([str(HERE)] + inherited)
        return dict(os.environ, PYTHONPATH=pythonpath)

    def add_worker(self, env=None):
        return self._start(f"worker{len(self.processes)}", env or self.worker_env(),
                           "distributed.cli.dask_worker", "--scheduler-file", str(self.file),
                           "--nworkers", "1", "--nthreads", "1", "--no-nanny", "--no-dashboard",
                           "--local-directory", str(self.folder), "--death-timeout", "30")

    def _start(self, name, env, module, *args):
        log = open(self.folder / f"{name}.log", "wb")
        process = subprocess.Popen([sys.executable, "-m", module, *args], env=env,
                                   cwd=self.folder, stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL)
        log.close()
        self.processes.append(process)
        return process

    def live_workers(self, n):
        """Starts workers until n are alive (tests that kill some call it first)."""
        alive = len(self.client.scheduler_info()["workers"])
        for _ in range(n - alive):
            self.add_worker()
        self.client.wait_for_workers(n, timeout=60)

    def stop(self):
        if self.client is not None:
            self.client.close()
        for process in self.processes:
            if process.poll() is None:
                process.kill()
            process.wait()


@pytest.fixture(scope="module")
def started_cluster(tmp_path_factory):
    # The scheduler gives up on a point after 2 worker deaths (allowed-failures 1).
    cluster = Cluster(tmp_path_factory.mktemp("dask"),
                      scheduler_env={"DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "1"})
    yield cluster
    cluster.stop()


@pytest.fixture
def cluster(started_cluster):
    """The module's cluster with two live workers (tests that kill some come last)."""
    started_cluster.live_workers(2)
    return started_cluster


@pytest.fixture(scope="module")
def in_process():
    return [run_point(task) for task in demo_tasks()]


# ---- results -------------------------------------------------------------------------------

def test_the_points_give_on_dask_what_they_give_in_process(cluster, in_process):
    executor = DaskExecutor(client=cluster.client)
    results = collect(executor, demo_tasks())
    executor.close()
    assert sorted(r["index"] for r in results) == list(range(len(in_process)))
    assert sorted(results, key=lambda r: r["index"]) == in_process
    assert all(r["status"] == "completed" and r["summary"]["num_fills"] > 0 for r in in_process)
    # The client was given, not made: close() leaves it usable.
    assert cluster.client.status == "running"


def test_a_scheduler_address_connects_its_own_client(cluster, in_process):
    executor = DaskExecutor(scheduler=cluster.client.scheduler.address)
    try:
        assert executor.client is not cluster.client
        results = collect(executor, demo_tasks()[:2])
    finally:
        executor.close()
    assert executor.client.status == "closed"
    assert sorted(results, key=lambda r: r["index"]) == in_process[:2]


def test_an_interrupt_cancels_the_points_not_run_and_propagates(cluster):
    delivered = []

    def interrupt(result):
        delivered.append(result["index"])
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        DaskExecutor(client=cluster.client).run(demo_tasks(), interrupt)
    assert len(delivered) == 1

    # The scheduler forgot every point not delivered (the delivered one's key
    # is released too, by a message that may still be on its way).
    def keel_tasks(dask_scheduler):  # local, so it travels by value (the scheduler lacks tests/)
        return [key for key in dask_scheduler.tasks if str(key).startswith("keel-point-")]

    left = cluster.client.run_on_scheduler(keel_tasks)
    assert all(key.endswith(f"-{delivered[0]}") for key in left), left


def test_a_sweep_on_dask_writes_the_table_the_serial_sweep_writes(cluster, tmp_path):
    spec = tmp_path / "sweep.json"
    spec.write_text(json.dumps({
        "base": str(DEMO), "objective": "sharpe", "output": {"dir": str(tmp_path / "unused")},
        "parameters": {"/strategies/0/params/fast": [5, 10, 15],
                       "/strategies/0/params/slow": {"range": [20, 60, 10]}}}))
    keel.sweep(str(spec), jobs=1, output_dir=tmp_path / "serial")
    keel.sweep(str(spec), client=cluster.client, output_dir=tmp_path / "dask")
    for name in ("results.csv", "results.json", "best/summary.json"):
        serial = (tmp_path / "serial" / name).read_bytes()
        assert (tmp_path / "dask" / name).read_bytes() == serial, name
    table = (tmp_path / "dask" / "results.csv").read_text().splitlines()
    assert len(table) == 1 + 15 and all(",completed," in row for row in table[1:])


# ---- check ---------------------------------------------------------------------------------

def test_check_passes_on_workers_that_can_run_the_points(cluster):
    csv = str(ROOT / "examples/data/demo_bars.csv")
    DaskExecutor(client=cluster.client).check(Requirements(keel.__version__, [csv, str(ROOT)]))


def test_check_names_each_worker_and_the_path_it_cannot_read(cluster, tmp_path):
    missing = str(tmp_path / "nowhere" / "bars.csv")
    with pytest.raises(SweepError) as error:
        DaskExecutor(client=cluster.client).check(
            Requirements(keel.__version__, [str(DEMO), missing]))
    message = str(error.value)
    workers = sorted(cluster.client.scheduler_info()["workers"])
    assert len(workers) == 2
    for address in workers:
        assert f"{address} (Python " in message
    assert message.count(f"cannot read {missing} (does not exist)") == 2
    assert str(DEMO) not in message
    assert "same absolute path" in message and "keel installed" in message


def test_check_names_another_keel_version(cluster):
    with pytest.raises(SweepError, match=r"keel \S+ is installed, this sweep runs keel 0\.0\.0-x"):
        DaskExecutor(client=cluster.client).check(Requirements("0.0.0-x", []))


def test_check_names_a_worker_where_keel_does_not_import(cluster, tmp_path):
    # A third worker whose PYTHONPATH lacks keel (the check's code reaches it
    # by value, so it answers instead of failing to unpickle).
    before = set(cluster.client.scheduler_info()["workers"])
    cluster.add_worker(cluster.worker_env(pythonpath=str(tmp_path)))
    cluster.client.wait_for_workers(3, timeout=60)
    lacking = (set(cluster.client.scheduler_info()["workers"]) - before).pop()
    try:
        with pytest.raises(SweepError) as error:
            DaskExecutor(client=cluster.client).check(Requirements(keel.__version__, []))
    finally:
        cluster.client.retire_workers([lacking], close_workers=True)
        cluster.processes[-1].wait(timeout=60)
    message = str(error.value)
    assert f"{lacking} (Python " in message
    assert "keel is not importable: ModuleNotFoundError: No module named 'keel'" in message
    assert message.startswith("1 problem(s) on the Dask workers")


def test_check_says_when_the_scheduler_has_no_workers():
    with distributed.LocalCluster(n_workers=0, processes=False, dashboard_address=None) as local, \
            distributed.Client(local, set_as_default=False) as client:
        with pytest.raises(SweepError, match="the scheduler has no workers"):
            DaskExecutor(client=client).check(Requirements(keel.__version__, []))


# ---- connecting ----------------------------------------------------------------------------

def test_an_unreachable_scheduler_is_a_sweep_error():
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        address = f"tcp://127.0.0.1:{s.getsockname()[1]}"
    with pytest.raises(SweepError) as error:
        DaskExecutor(scheduler=address, timeout=0.5)
    message = str(error.value)
    assert message.startswith(f"cannot reach the Dask scheduler at {address}: ")
    assert "distributed.cli.dask_scheduler" in message


def test_the_executor_takes_a_client_or_a_scheduler():
    with pytest.raises(TypeError, match="exactly one"):
        DaskExecutor()


# ---- workers that die (last: they leave the module's cluster fewer workers) ---------------

def test_a_worker_killed_mid_point_loses_no_point_and_duplicates_none(cluster, tmp_path,
                                                                       in_process):
    killed_before = sum(p.poll() is not None for p in cluster.processes)
    marker = tmp_path / "killed"
    executor = DaskExecutor(client=cluster.client,
                            point_function=functools.partial(kill_own_worker_once,
                                                             marker=str(marker), index=3))
    results = collect(executor, demo_tasks())
    assert marker.exists()  # point 3's first worker died running it
    assert sum(p.poll() is not None for p in cluster.processes) == killed_before + 1
    assert sorted(r["index"] for r in results) == list(range(len(in_process)))
    assert sorted(results, key=lambda r: r["index"]) == in_process


def test_a_point_that_kills_every_worker_it_runs_on_gets_a_failed_result(cluster):
    # The scheduler gives up on a task after allowed-failures + 1 = 2 worker deaths.
    executor = DaskExecutor(client=cluster.client, point_function=kill_own_worker_always)
    results = collect(executor, demo_tasks()[:1])
    assert len(results) == 1
    assert results[0]["index"] == 0 and results[0]["summary"] is None
    assert results[0]["status"].startswith("failed: the Dask worker(s) running this point died "
                                           "2 times")
    assert results[0]["error"] and results[0]["kind"] == 4
