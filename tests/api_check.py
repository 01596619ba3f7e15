"""`make api-check`: schemathesis against the sandbox with RECT's OpenAPI document (rect-v3-openapi.yaml).

A fresh `syncer sandbox` (seed 7, rate limits out of reach) on a free loopback port, then a bounded, seeded,
deterministic, single-worker run of every check. Its findings, read from the JUnit report as (operation, failure
code), are compared with ACCEPTED below: what the real service does too, each with the reason it stays. The run
fails on any other finding, and says which accepted ones it did not meet this time.

schemathesis is heavy and not a dependency of the project: the Makefile installs the pinned version into its own
virtualenv under ~/.cache/ecf-syncer and passes its path here.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from tests.sandbox_process import SandboxProcess

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "docs" / "reference" / "rect-v3-openapi.yaml"
LISTS = r"GET /api/v3/[a-z/-]+(/\{id\})?"
WRITES = r"(POST|PUT) /api/v3/.+"
TRANSFERS = r"GET /api/v3/participants(/\{id\})?/transfers"
PAGE_500 = (
    "a bare `page=` or list-shaped `page[]=` is RECT's 500 (Paginatable digs into a String or Array: a TypeError "
    "nothing rescues; api-facts §1.1)"
)
# (operation pattern, failure code, why it stays); "Stateful tests" are chains of the same operations
ACCEPTED: tuple[tuple[str, str, str], ...] = (
    (LISTS, "ST103", "the document lists only 200/401/404, but RECT answers a bad filter, page or updated_since, or a "
     "missing filter[cohort] on /schools, with 400 (api-facts §1.4), and a bare or list-shaped `page` with 500"),
    (LISTS, "ST201", "`sort` is typed as an enum in the document, but RECT drops names it does not know (orderable.rb) "
     "and accepts any model column"),
    (LISTS, "ST202", "values the document allows that RECT refuses with 400: a `filter` or `page` that is not a hash "
     "of strings, an updated_since Ruby's Time.iso8601 cannot read, a page value below 1, /schools without a cohort"),
    (TRANSFERS, "ST108", "transfers' created_at is a date-time, not the date the document says: the real "
     "service's own deviation"),
    (WRITES, "ST202", "schema-valid bodies with ids no record has, or that break a business rule, are RECT's 422; "
     "a body without data.attributes is its 400"),
    (WRITES, "ST201", "RECT never reads data.type, so a body with an unknown type is accepted as the real one is"),
    (r".+", "ST204", "Rails routes by method: a method the document does not list is an unknown route, a 404"),
    (LISTS, "ST101", PAGE_500),
    ("Stateful tests", "ST101", PAGE_500),
    ("Stateful tests", "ST103", "as for the operations: 400s and the `page` 500 the document does not list"),
    ("Stateful tests", "ST201", "as for the operations: sort names and data.type are not checked"),
    ("Stateful tests", "ST202", "as for the operations: RECT's 400s and 422s for values the document allows"),
)  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schemathesis", type=Path, required=True, help="the schemathesis executable")
    parser.add_argument("--max-examples", type=int, default=30, help="test cases per operation and phase")
    parser.add_argument("--report-dir", type=Path, default=ROOT / "build" / "api-check")
    args = parser.parse_args(argv)
    report = args.report_dir / "junit.xml"
    report.unlink(missing_ok=True)
    unlimited = ["--rate-limit", str(10**9), "--ip-rate-limit", str(10**9)]
    with SandboxProcess(seed=7, participants=60, extra=unlimited) as sandbox:
        command = [
            str(args.schemathesis), "--no-color", "run", str(SPEC),
            "--url", sandbox.url,
            "--header", f"Authorization: Bearer {sandbox.token}",
            "--header", "Accept: application/json",
            "--checks", "all",
            "--max-examples", str(args.max_examples),
            "--generation-deterministic",
            "--workers", "1",
            "--report", "junit",
            "--report-junit-path", str(report),
        ]  # fmt: skip
        subprocess.run(command, check=False, stdout=sys.stderr)  # its own report goes to stderr, the verdict to stdout
    if not report.exists():
        print("schemathesis wrote no report", file=sys.stderr)
        return 2
    found = findings(report)
    return verdict(found)


def findings(report: Path) -> set[tuple[str, str]]:
    """(operation, failure code) for every failure in the JUnit report."""
    pairs = set()
    for case in ET.parse(report).iter("testcase"):
        for failure in case.iter("failure"):
            for code in (failure.get("message") or "").split(", "):
                pairs.add((case.get("name") or "", code.strip()))
    return pairs


def accepted(operation: str, code: str) -> str | None:
    return next((why for pattern, c, why in ACCEPTED if c == code and re.fullmatch(pattern, operation)), None)


def verdict(found: set[tuple[str, str]]) -> int:
    """Prints each accepted kind of finding with the operations it was met on, then any new one; 1 if any is new."""
    new = sorted(pair for pair in found if accepted(*pair) is None)
    print(f"schemathesis: {len(found)} kinds of finding (operation, code), {len(new)} not accepted")
    for pattern, code, why in ACCEPTED:
        met = sorted(op for op, c in found if c == code and re.fullmatch(pattern, op) and accepted(op, c) == why)
        print(f"  {code} on {len(met)} operation(s){': ' + ', '.join(met) if met else ' (not met this run)'}")
        print(f"      why it stays: {why}")
    for operation, code in new:
        print(f"  NEW {code} {operation}: see the schemathesis report above")
    return 1 if new else 0


if __name__ == "__main__":
    sys.exit(main())
