"""The local executor of keel.sweep: a pool of processes on this machine.

Workers are started with "spawn" (never fork: keel runs threads, and a
forked copy of a process with threads can deadlock) and import keel from the
same package as this process (spawn hands the child this sys.path). They
ignore SIGINT: Ctrl-C reaches the whole process group, and the sweep, not
each worker, decides what stops.

A worker that dies (a plugin that crashes, os._exit, SIGKILL) breaks the
pool. The results already in are kept; the points that were running then are
suspects and each runs once more alone, in a process of its own: one that
dies again gets a failed result saying how its process ended, the others
their real result. The points not started yet go on in a fresh pool. So
every point gets exactly one result, and a crashing point costs one extra
run, not the sweep.
"""
import concurrent.futures as _futures
import multiprocessing as _multiprocessing
import signal as _signal

from ._sweep_points import Executor, SweepError, interrupt_seen, raise_interrupt, run_point

__all__ = ["LocalExecutor"]


def _ignore_sigint():
    _signal.signal(_signal.SIGINT, _signal.SIG_IGN)


def _run_in_child(task, connection):
    _ignore_sigint()
    try:
        connection.send(run_point(task))
    finally:
        connection.close()


def _death(exitcode):
    how = f"signal {-exitcode}" if exitcode is not None and exitcode < 0 else \
        f"exit code {exitcode}"
    return f"the worker process died while running this point ({how})"


class LocalExecutor(Executor):
    """Runs points in `jobs` worker processes of this machine."""

    def __init__(self, jobs):
        if jobs < 1:
            raise SweepError(f"jobs must be 1 or more, not {jobs}")
        self.jobs = jobs
        self._context = _multiprocessing.get_context("spawn")
        self._pool = None

    def check(self, requirements):
        # The workers are this machine's processes with this package: only
        # the files can be missing.
        import os
        missing = [p for p in requirements.paths if not os.path.exists(p)]
        if missing:
            raise SweepError("the points need files this machine does not have: " +
                             ", ".join(missing))

    def _fresh_pool(self):
        self._shutdown(kill=False)
        self._pool = _futures.ProcessPoolExecutor(self.jobs, mp_context=self._context,
                                                  initializer=_ignore_sigint)
        return self._pool

    def _shutdown(self, kill):
        pool, self._pool = self._pool, None
        if pool is None:
            return
        if kill:  # running points are abandoned: stop their processes now
            for process in list(getattr(pool, "_processes", {}).values()):
                if process.is_alive():
                    process.terminate()
        pool.shutdown(wait=True, cancel_futures=True)

    def run(self, tasks, on_result):
        queue = list(reversed(tasks))  # pop() takes the next in order
        try:
            while queue:
                suspects = self._run_pool(queue, on_result)
                for task in suspects:  # the pool broke: each suspect alone
                    on_result(self._run_alone(task))
        except BaseException:
            self._shutdown(kill=True)
            raise

    def _run_pool(self, queue, on_result):
        """Runs tasks from `queue` with at most `jobs` in flight; returns the
        tasks that were in flight when a worker died (the rest stay queued)."""
        pool = self._pool or self._fresh_pool()
        flight = {}
        while queue or flight:
            while queue and len(flight) < self.jobs:
                task = queue.pop()
                try:
                    flight[pool.submit(run_point, task)] = task
                except _futures.process.BrokenProcessPool:
                    queue.append(task)
                    break
            done, _ = _futures.wait(flight, return_when=_futures.FIRST_COMPLETED)
            broken = False
            for future in sorted(done, key=lambda f: flight[f].index):
                try:
                    result = future.result()
                except _futures.process.BrokenProcessPool:
                    broken = True
                    continue
                flight.pop(future)
                on_result(result)
            if interrupt_seen():  # caught somewhere on the way: stop all the same
                raise_interrupt()
            if broken:
                self._shutdown(kill=True)
                suspects = []
                for future, task in sorted(flight.items(), key=lambda item: item[1].index):
                    if future.done() and future.exception() is None:
                        on_result(future.result())  # it finished before the break
                    else:
                        suspects.append(task)
                return suspects
        return []

    def _run_alone(self, task):
        receive, send = self._context.Pipe(duplex=False)
        process = self._context.Process(target=_run_in_child, args=(task, send), daemon=True)
        process.start()
        send.close()
        try:
            try:
                result = receive.recv()
            except EOFError:  # it died before sending
                result = None
            process.join()
        except BaseException:
            process.terminate()
            process.join()
            raise
        finally:
            receive.close()
        if result is not None:
            return result
        error = _death(process.exitcode)
        return {"index": task.index, "status": "failed: " + error, "summary": None,
                "error": error, "kind": 4, "files": None}

    def close(self):
        self._shutdown(kill=False)
