"""List functions whose body (docstring excluded) is longer than a limit.

Usage: ``python tools/long_functions.py [LIMIT] [PACKAGE ...]`` (default 80 lines, the
estimation path ``did fe inference synth effects``). Prints ``lines  module:function``,
longest first.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "improve"
ESTIMATION_PATH = ("did", "fe", "inference", "synth", "effects")


def body_lines(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Lines of the function body, without its docstring."""
    body = node.body
    if (
        body
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
    ):
        body = body[1:]
    if not body:
        return 0
    return int(body[-1].end_lineno or body[-1].lineno) - body[0].lineno + 1


def long_functions(limit: int, packages: tuple[str, ...]) -> list[tuple[int, str]]:
    """(body lines, ``module:qualified name``) of every function over ``limit`` lines."""
    found = []
    for package in packages:
        for path in sorted((SRC / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            module = ".".join(path.relative_to(SRC.parent).with_suffix("").parts)
            stack: list[tuple[ast.AST, str]] = [(tree, "")]
            while stack:
                node, prefix = stack.pop()
                for child in ast.iter_child_nodes(node):
                    if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                        name = f"{prefix}{child.name}"
                        if not isinstance(child, ast.ClassDef):
                            n = body_lines(child)
                            if n > limit:
                                found.append((n, f"{module}:{name}"))
                        stack.append((child, f"{name}."))
    return sorted(found, reverse=True)


def main(argv: list[str]) -> None:
    """Print the long functions."""
    limit = int(argv[0]) if argv else 80
    packages = tuple(argv[1:]) or ESTIMATION_PATH
    for n, name in long_functions(limit, packages):
        print(f"{n:5d}  {name}")


if __name__ == "__main__":
    main(sys.argv[1:])
