"""`python -m bench`: run every benchmark, print one table, write bench/RESULTS.md.

python -m bench                 full sizes (several minutes), writes bench/RESULTS.md
python -m bench --smoke         tiny sizes (seconds), writes nothing unless asked
python -m bench --only crawl queries --results /tmp/r.md --json /tmp/r.json
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from bench import machine, report
from bench.common import BenchResult, Figure
from bench.runner import BENCHMARKS, run_benchmarks

RESULTS = Path(__file__).parent / "RESULTS.md"


def _result_from_dict(saved: dict) -> BenchResult:
    figures = [Figure(**figure) for figure in saved.pop("figures")]
    return BenchResult(figures=figures, **saved)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, to check all still run")
    parser.add_argument(
        "--only",
        nargs="+",
        choices=BENCHMARKS,
        metavar="NAME",
        help=f"run only these, of: {', '.join(BENCHMARKS)}",
    )
    parser.add_argument(
        "--results",
        type=Path,
        help="Markdown results file (default: bench/RESULTS.md on a full run)",
    )
    parser.add_argument("--json", type=Path, help="also write every result as JSON here")
    parser.add_argument(
        "--from-json",
        type=Path,
        help="run nothing: render the results saved by --json (e.g. after editing FINDINGS.md)",
    )
    args = parser.parse_args(argv)

    if args.from_json:
        saved = json.loads(args.from_json.read_text(encoding="utf-8"))
        results = [_result_from_dict(r) for r in saved["results"]]
        about, args.smoke = saved["machine"], saved["smoke"]
    else:
        names = tuple(n for n in BENCHMARKS if not args.only or n in args.only)
        results = run_benchmarks(names, smoke=args.smoke)
        about = machine.describe()
    print()
    print(report.terminal_table(results))

    results_path = args.results or (None if args.smoke or args.only else RESULTS)
    if args.from_json:
        results_path = args.results or RESULTS
    if results_path is not None:
        command = "python -m bench" + (" --smoke" if args.smoke else "")
        results_path.write_text(
            report.markdown(results, about, smoke=args.smoke, command=command), encoding="utf-8"
        )
        print(f"\nwrote {results_path}")
    if args.json is not None:
        payload = {
            "machine": about,
            "smoke": args.smoke,
            "results": [dataclasses.asdict(r) for r in results],
        }
        args.json.write_text(json.dumps(payload, indent=1, default=str), encoding="utf-8")
    return 1 if any(r.error for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
