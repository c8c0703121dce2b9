#!/usr/bin/env python3
"""Checks the MAE table of `sol quickstart` (its eval.json): every method is present and every
trained method beats SRC on the test simulations. Run by `make test` on the quickstart data."""
import json
import sys


def main(path: str) -> int:
    with open(path) as f:
        table = json.load(f)
    mae = {m["name"]: m["mae_mean"] for m in table["methods"]}
    failures = []
    expected = ["SRC", "NON", "FO-SOL", "ZO-SOL", "NOG-SOL"]
    if sorted(mae) != sorted(expected):
        failures.append(f"methods {sorted(mae)} != {sorted(expected)}")
    for name in expected[1:]:
        if name in mae and not mae[name] < mae["SRC"]:
            failures.append(f"{name} MAE {mae[name]:.4f} does not beat SRC {mae['SRC']:.4f}")
    for line in failures:
        print("FAIL " + line)
    checks = 1 + len(expected) - 1
    print(f"quickstart: {checks - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
