"""Work shared out to forked processes, one a core, when there is enough of it to pay for them."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported where a pool is made: kb search forks without them (multiprocessing costs 10 ms)
    from concurrent.futures import ProcessPoolExecutor

# Work is counted in units of about 70 µs (reading one file for its front matter); below this much one
# process works. At 10,000 x 6 on 2 idle cores a cold scan took 7.2-7.7 s in one process and 4.4-4.6 s in
# two (interleaved, 3 runs each); on a loaded machine the two take the same time.
PARALLEL_FROM = 5000


def may_fork() -> bool:
    """Whether this process may start workers: not with threads (a fork copies no thread, and a lock another
    one held stays held), nor from a worker (kb build's languages already take a core each)."""
    multiprocessing = sys.modules.get("multiprocessing")  # a worker's parent imported it to start the worker
    return threading.active_count() == 1 and (multiprocessing is None or multiprocessing.parent_process() is None)


def count(cost: int) -> int:
    """How many processes work of this many units is worth: one a core at most, 1 when this one may not fork."""
    if not may_fork():
        return 1
    # The cores this process may use; macOS has no affinity to ask.
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(cores, cost // PARALLEL_FROM))


def chunk_size(left: float, total: float, workers: int) -> float:
    """How much of the work left the next chunk takes: half a worker's share, so chunks shrink as the work
    runs out and the workers end together (with equal chunks, one waited a chunk's time for the other at the
    end of a cold kb status); at least a 32nd of a worker's share of the whole, each chunk being a trip."""
    return max(left / (workers * 2), total / (workers * 32))


def pool(workers: int, initializer: Callable[..., None] | None = None, initargs: tuple[Any, ...] = ()
         ) -> ProcessPoolExecutor:
    """Forked worker processes: each starts as a copy of this one, and initargs reach it unpickled."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"),
                               initializer=initializer, initargs=initargs)


def answer_later(question: Callable[[], bool]) -> Callable[[], bool]:
    """question() asked in a forked process while this one goes on; the function returned waits for the answer.

    A question that fails in the child is answered False. Where this process may not fork, it is asked here
    and now. Call the function returned once: it reaps the child.
    """
    if not hasattr(os, "fork") or not may_fork():
        answer = question()
        return lambda: answer
    pid = os.fork()
    if pid == 0:  # the child: its answer is its exit code; nothing of the parent's (buffers, atexit) is run
        code = 1
        try:
            code = 0 if question() else 1
        finally:
            os._exit(code)
    return lambda: os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0
