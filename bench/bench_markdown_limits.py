"""How long Python-Markdown takes on pathological input, to choose the bounds in kb_tools/scan.py.

    python bench/bench_markdown_limits.py [--timeout 20]

Each case runs in its own process with the Markdown extensions of the sample mkdocs.yml; a case
that takes longer than --timeout is shown as a stall. Prints a table and writes
bench/results/markdown_limits.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

EXTENSIONS = ["admonition", "attr_list", "tables", "toc", "pymdownx.details", "pymdownx.superfences"]
CASES = {  # name -> (Python expression of the text with n, the sizes)
    "unclosed [ in a row": ('"[" * n', (100, 1000, 2000, 10000)),
    "unclosed [ between words": ('"a [ b " * n', (100, 500, 1000)),
    "links in a paragraph": ('"[a](b) " * n', (1000, 10000)),
    "run of *": ('"*" * n + "a" + "*" * n', (500, 1000, 10000)),
    "nested >": ('">" * n + " a"', (100, 10000, 100000)),
    "nested lists": ('"".join("    " * i + "- a\\n" for i in range(n))', (50, 100, 200, 1000)),
    "one long line": ('"word " * (n // 5)', (100000, 1000000)),
}
RUN = "import markdown, sys; n = int(sys.argv[1]); markdown.markdown({expr}, extensions={exts!r})"


def measure(expr: str, n: int, timeout: float) -> float | str:
    """Seconds to convert the text of size n, process start-up subtracted; "stall" or the error it raised."""
    code = RUN.format(expr=expr, exts=EXTENSIONS)
    base = RUN.format(expr='""', exts=EXTENSIONS)
    times = []
    for program in (code, base):
        start = time.perf_counter()
        try:
            done = subprocess.run([sys.executable, "-c", program, str(n)], capture_output=True, text=True,
                                  timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            return "stall"
        if done.returncode:
            return (done.stderr.strip().splitlines() or ["error"])[-1].split(":")[0]
        times.append(time.perf_counter() - start)
    return max(0.0, times[0] - times[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=20.0)
    args = parser.parse_args()
    rows = []
    print(f"{'case':<26} {'n':>8}  seconds")
    for name, (expr, sizes) in CASES.items():
        for n in sizes:
            seconds = measure(expr, n, args.timeout)
            shown = f"{seconds:.2f}" if isinstance(seconds, float) else f"{seconds} (> {args.timeout:.0f} s)" \
                if seconds == "stall" else seconds
            print(f"{name:<26} {n:>8}  {shown}", flush=True)
            rows.append({"case": name, "n": n, "seconds": seconds})
    out = Path(__file__).parent / "results" / "markdown_limits.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"timeout": args.timeout, "rows": rows}, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
