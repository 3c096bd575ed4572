"""Run every benchmark in bench/*_bench.py and write one flat JSON of figures.

Each benchmark module exposes ``run(workdir: Path) -> dict[str, float | int]``.
Figures are merged into the existing results file, so one benchmark can be rerun
alone (``--only publish``) without losing the others.
"""

import argparse
import importlib
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default=str(HERE / "results.json"))
    parser.add_argument("--only", action="append", help="benchmark name (file stem without _bench)")
    args = parser.parse_args()

    sys.path.insert(0, str(HERE.parent))
    out = Path(args.out)
    results = json.loads(out.read_text()) if out.exists() else {}
    names = sorted(p.stem.removesuffix("_bench") for p in HERE.glob("*_bench.py"))
    for name in args.only or names:
        module = importlib.import_module(f"bench.{name}_bench")
        workdir = HERE / "work" / name
        workdir.mkdir(parents=True, exist_ok=True)
        figures = module.run(workdir)
        print(f"{name}: {json.dumps(figures, sort_keys=True)}")
        results.update(figures)
        out.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
