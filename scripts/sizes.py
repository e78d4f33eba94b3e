"""Print the longest files and functions of backprop_engine/ and tui/.

Information for a reader deciding where a split would help, not a limit:
the code is split by concern (docs/architecture.md), and no test counts lines.

    python scripts/sizes.py [N]    # the N longest of each (default 10)
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def sizes(top: int) -> tuple[list, list]:
    files, functions = [], []
    for path in sorted(p for d in ("backprop_engine", "tui") for p in (ROOT / d).rglob("*.py")):
        source, name = path.read_text(), str(path.relative_to(ROOT))
        files.append((len(source.splitlines()), name))
        functions += [(n.end_lineno - n.lineno + 1, f"{name}:{n.lineno} {n.name}")
                      for n in ast.walk(ast.parse(source)) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    return sorted(files, reverse=True)[:top], sorted(functions, reverse=True)[:top]


def main() -> None:
    top = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    files, functions = sizes(top)
    for title, rows in (("longest files (lines)", files), ("longest functions (lines)", functions)):
        print(title)
        for lines, name in rows:
            print(f"{lines:6}  {name}")
        print()


if __name__ == "__main__":
    main()
