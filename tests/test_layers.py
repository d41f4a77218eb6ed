"""The layers of docs/architecture.md, read from the source: what may import what.

Data flows one way: command line → ``cli`` (parse, print) → ``services`` (the rules, one
transaction) → storage (``db``, ``tables``, ``models``), the chain's canonical form
(``chain``) and the parsers (``parsing``) → ``errors``. A lower layer never imports a higher
one, not even inside a function (where the lazy imports of the start-up rule live), and no
module imports itself back through another at import time.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "zoufang"

#: For each part of the package (its top-level module or subpackage), the parts it may
#: import besides itself. docs/architecture.md shows the same picture.
ALLOWED: dict[str, set[str]] = {
    "i18n": {"english"},
    "english": set(),
    "errors": {"i18n"},
    "codes": set(),
    "labels": {"codes", "i18n"},
    "parsing": {"errors", "codes", "labels", "i18n"},
    "config": {"errors", "parsing", "i18n"},
    "chain": {"errors", "i18n"},
    "clock": set(),
    "private_files": set(),
    "filelocks": set(),
    "fact_chain": {"errors", "i18n", "chain"},
    "tables": {"codes"},
    "models": {"tables", "codes"},
    "db": {"errors", "tables", "chain", "clock", "filelocks", "i18n", "private_files"},
    "services": {
        "errors", "codes", "labels", "parsing", "config", "chain", "clock", "fact_chain", "tables",
        "models", "db", "filelocks", "version", "i18n", "private_files",
    },
    "output": {
        "errors", "codes", "labels", "parsing", "chain", "version", "i18n", "private_files",
    },
    "cli": {
        "errors", "codes", "labels", "parsing", "config", "chain", "clock", "fact_chain", "db",
        "services", "output", "version", "i18n", "private_files",
    },
    "__main__": {"cli"},
}  # fmt: skip


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_module(name: str) -> bool:
    path = SRC.joinpath(*name.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def part(name: str) -> str:
    """``zoufang.services.funds`` → ``services``; ``zoufang`` itself (``__version__``) →
    ``version``."""
    pieces = name.split(".")
    return pieces[1] if len(pieces) > 1 else "version"


def _type_checking_nodes(tree: ast.AST) -> set[ast.AST]:
    inside: set[ast.AST] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                inside.update(ast.walk(child))
    return inside


def imports(path: Path) -> list[tuple[str, int, bool, bool]]:
    """(imported zoufang module, line, at module level, only for type checking) for each
    import in ``path``; ``from package import submodule`` names the submodule."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = _type_checking_nodes(tree)
    top_level = {id(n) for n in tree.body}
    for node in tree.body:  # imports under a module-level `if`/`try` run at import time too
        if isinstance(node, (ast.If, ast.Try)) and node not in typing_only:
            top_level.update(id(n) for n in ast.walk(node))
    found = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            subs = [f"{node.module}.{a.name}" for a in node.names]
            names = [s for s in subs if is_module(s)] or [node.module]
        for name in names:
            if name == "zoufang" or name.startswith("zoufang."):
                found.append((name, node.lineno, id(node) in top_level, node in typing_only))
    return found


SOURCES = sorted(PACKAGE.rglob("*.py"))


def test_every_part_of_the_package_has_a_place_in_the_layers():
    parts = {part(module_name(p)) for p in SOURCES} - {"version"}
    assert parts <= set(ALLOWED), f"add {sorted(parts - set(ALLOWED))} to ALLOWED and the docs"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(SRC)))
def test_no_module_imports_a_layer_above_it(path):
    here = part(module_name(path))
    wrong = [
        f"{path.relative_to(SRC)}:{line} imports {name}"
        for name, line, _top, _typing in imports(path)
        if part(name) != here and part(name) not in ALLOWED[here]
    ]
    assert not wrong, "\n".join(wrong)


def test_no_import_cycle_at_import_time():
    """Module-level imports (not the lazy ones inside functions, nor those only for type
    checking) form no cycle: every module can be imported on its own."""
    graph = {
        module_name(p): {name for name, _, top, typing in imports(p) if top and not typing}
        for p in SOURCES
    }
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        state[node] = 2
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            pytest.fail("import cycle: " + " → ".join(cycle))
