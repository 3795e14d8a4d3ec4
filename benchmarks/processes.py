"""Memory of a process tree as the kernel reports it (Linux /proc), for the benchmarks, and
the command's modules compiled as an installed package has them."""

from __future__ import annotations

import compileall
import threading
from pathlib import Path

import assessor


def bytecode_compiled() -> None:
    """Compile assessor's modules, as pip does when it installs the package, so a timed
    ``python -m assessor`` does not compile them from source on every start (in a checkout
    where nothing has written them yet, e.g. with PYTHONDONTWRITEBYTECODE set: about
    0.17 s per start here)."""
    compileall.compile_dir(Path(assessor.__file__).parent, quiet=1)


class TreeMemory:
    """A process and everything it forks, sampled every 20 ms: the peak of their
    proportional set sizes (PSS) summed (what the run costs the machine, shared pages
    counted once), and each process's own peak RSS (the kernel's VmHWM)."""

    def __init__(self, root: int) -> None:
        self.root, self.peak = root, 0
        self.own_peaks: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._stop.wait(0.02):
            tree = _tree(self.root)
            total = sum(_pss(pid) for pid in tree)
            # Processes are read one after another: a sample during which one was forked or
            # ended counts the pages it shares twice (a parent read before a fork, its child
            # after: 208 MiB read where the processes held 194), so it is not taken.
            if _tree(self.root) == tree:
                self.peak = max(self.peak, total)
            for pid in tree:
                self.own_peaks[pid] = max(self.own_peaks.get(pid, 0), _hwm(pid))

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak

    def largest_child(self) -> int:
        """The largest peak RSS among the processes the root forked (its workers)."""
        return max((peak for pid, peak in self.own_peaks.items() if pid != self.root), default=0)


def _tree(root: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    tree, frontier = [root], [root]
    while frontier:
        frontier = [pid for pid, parent in parents.items() if parent in frontier]
        tree += frontier
    return tree


def _pss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _hwm(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0
