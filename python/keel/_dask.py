"""A sweep's points on a Dask distributed cluster (`keel sweep --scheduler`,
`keel.sweep(..., client=...)`).

DaskExecutor implements the executor protocol of keel._sweep: check() asks
every worker up front whether it can run the points (keel importable, the
same keel version, the data and plugin paths readable at the same absolute
paths); run() submits one Dask task per point, each calling
keel._sweep_points.run_point on a worker, and hands each point's result to
on_result in the calling thread as it arrives. Dask does the scheduling and
the recovery: a point whose worker died is re-run on another worker, up to
the scheduler's `distributed.scheduler.allowed-failures` (default 3) times;
after that the point gets a failed result, so every point gets exactly one.

Dask's own scheduler is used as it is, not reconfigured: keel cannot make a
point run faster than a Dask task round trip (a few ms on a local network),
and cannot see a worker's files except by asking it (check()).
"""
import uuid as _uuid

__all__ = ["DaskExecutor"]

# How long to wait for the scheduler before saying it cannot be reached.
_CONNECT_TIMEOUT_S = 10

_HOW_TO_START = ("Start one with `python3 -m distributed.cli.dask_scheduler` and its workers with "
                 "`python3 -m distributed.cli.dask_worker tcp://HOST:PORT` (docs/sweeps.md, "
                 "\"On a Dask cluster\")")

_WHAT_A_WORKER_NEEDS = (
    "Each worker needs keel installed for the Python it runs (the same keel version as here: "
    "`python3 -c 'import keel'` must work there), and every data file, script and plugin the "
    "run file names readable at the same absolute path (a shared or copied folder); see "
    "docs/sweeps.md, \"On a Dask cluster\"")


def _sweep_error(message):
    from ._sweep_points import SweepError
    return SweepError(message)


def _make_probe():
    """The function check() runs on every worker. It is made here, not at
    module level, so that cloudpickle sends its code by value: a worker where
    `import keel` fails can still run it and say so."""

    def probe(paths):
        import os
        import sys
        answer = {"python": sys.version.split()[0], "executable": sys.executable,
                  "keel": None, "keel_error": "", "missing": []}
        try:
            import keel
            answer["keel"] = keel.__version__
        except Exception as error:  # noqa: BLE001 (any import failure is the answer)
            answer["keel_error"] = f"{type(error).__name__}: {error}"
        for path in paths:
            mode = os.R_OK | (os.X_OK if os.path.isdir(path) else 0)
            if not os.path.exists(path):
                answer["missing"].append(f"{path} (does not exist)")
            elif not os.access(path, mode):
                answer["missing"].append(f"{path} (not readable)")
        return answer

    return probe


def _problems(address, answer, keel_version):
    """What keeps the worker at `address` from running the points, as lines."""
    if not isinstance(answer, dict):  # client.run(on_error="return") gives the exception
        return [f"{address}: the check could not run there: {type(answer).__name__}: {answer}"]
    where = f"{address} (Python {answer['python']}, {answer['executable']})"
    lines = []
    if answer["keel"] is None:
        lines.append(f"{where}: keel is not importable: {answer['keel_error']}")
    elif answer["keel"] != keel_version:
        lines.append(f"{where}: keel {answer['keel']} is installed, this sweep runs keel "
                     f"{keel_version}")
    lines += [f"{where}: cannot read {missing}" for missing in answer["missing"]]
    return lines


class DaskExecutor:
    """Runs a sweep's points as tasks of a Dask distributed cluster.

    client          a distributed.Client to use (not closed by close()), or
    scheduler       "tcp://HOST:PORT" of a running scheduler to connect to
                    (closed by close()).
    timeout         seconds to wait for the scheduler when connecting.
    point_function  what runs one point on a worker; keel._sweep_points.run_point
                    unless a test gives another (it must be importable on
                    the workers).
    """

    def __init__(self, client=None, scheduler=None, *, timeout=_CONNECT_TIMEOUT_S,
                 point_function=None):
        if (client is None) == (scheduler is None):
            raise TypeError("DaskExecutor: give exactly one of client= or scheduler=")
        self._own_client = client is None
        if client is None:
            client = self._connect(scheduler, timeout)
        self._client = client
        self._point_function = point_function

    @staticmethod
    def _connect(scheduler, timeout):
        import distributed
        try:
            return distributed.Client(scheduler, timeout=timeout, set_as_default=False)
        except Exception as error:  # noqa: BLE001 (OSError, TimeoutError, ValueError, ...)
            why = str(error) or type(error).__name__
            raise _sweep_error(f"cannot reach the Dask scheduler at {scheduler}: {why}. "
                               f"{_HOW_TO_START}") from None

    @property
    def client(self):
        return self._client

    def check(self, requirements):
        """Raises keel.SweepError, naming each worker and what it lacks, unless
        every worker can run the points."""
        try:
            answers = self._client.run(_make_probe(), list(requirements.paths), on_error="return")
        except Exception as error:  # noqa: BLE001 (the scheduler went away, ...)
            raise _sweep_error(f"cannot ask the Dask workers whether they can run the points: "
                               f"{type(error).__name__}: {error}") from None
        if not answers:
            raise _sweep_error(f"the scheduler has no workers ({self._client.scheduler.address}). "
                               "Start some with `python3 -m distributed.cli.dask_worker "
                               f"{self._client.scheduler.address}`")
        problems = []
        for address in sorted(answers):
            problems += _problems(address, answers[address], requirements.keel_version)
        if problems:
            raise _sweep_error(f"{len(problems)} problem(s) on the Dask workers:\n  " +
                               "\n  ".join(problems) + "\n" + _WHAT_A_WORKER_NEEDS)

    def run(self, tasks, on_result):
        """Runs every task on the cluster; on_result(result) in this thread as
        each arrives, exactly once per task."""
        import distributed
        from distributed.scheduler import KilledWorker

        function = self._point_function
        if function is None:
            from ._sweep_points import run_point as function
        tasks = list(tasks)
        # Keys are unique per run(): two sweeps on one cluster never share a result.
        token = _uuid.uuid4().hex
        futures = [self._client.submit(function, task, key=f"keel-point-{token}-{task.index}",
                                       pure=False, retries=1) for task in tasks]
        by_key = {future.key: task for future, task in zip(futures, tasks)}
        done = set()
        try:
            for future in distributed.as_completed(futures, loop=self._client.loop):
                task = by_key[future.key]
                if task.index in done:
                    continue
                done.add(task.index)
                result = self._outcome(future, task, KilledWorker)
                future.release()
                on_result(result)
        except BaseException:  # KeyboardInterrupt, or on_result raised: nothing more runs
            self._client.cancel([f for f in futures if by_key[f.key].index not in done])
            raise

    @staticmethod
    def _outcome(future, task, killed_worker):
        # result(), not the status: a finished point whose worker died before
        # its result was fetched is "lost" again, and Dask runs it again.
        from concurrent.futures import CancelledError
        try:
            return future.result()
        except killed_worker as error:
            message = (f"the Dask worker(s) running this point died {error.allowed_failures + 1} "
                       f"times (the last: {error.last_worker.address}); see the worker logs")
        except CancelledError:
            message = ("the Dask scheduler cancelled this point (was the scheduler restarted "
                       "or the connection lost?)")
        except Exception as error:  # noqa: BLE001 (whatever the task raised is the point's error)
            message = f"the Dask task failed: {type(error).__name__}: {error}"
        return {"index": task.index, "status": f"failed: {message}", "summary": None,
                "error": message, "kind": 4, "files": None}

    def close(self):
        if self._own_client:
            self._client.close()
