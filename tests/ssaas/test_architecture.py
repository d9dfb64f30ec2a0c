"""The import architecture, read from the source with ``ast``.

Every module of ssaas, providers, provisioning and usage (migrations included) is
parsed and every import counted, at module level and inside functions, classes
and ``if`` blocks alike: module A depends on module B when A imports B, or a name
from B (``from B import name`` depends on ``B.name`` when that is a submodule).

- No import cycles between modules.
- An app (providers, provisioning, usage) imports no part of ssaas but ssaas.common.
- ssaas.common, the shared kernel, imports none of our apps and no other part of ssaas.
- The apps import one way: usage reads provisioning and providers, provisioning
  reads providers, providers reads neither.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("ssaas", "providers", "provisioning", "usage")
APPS = ("providers", "provisioning", "usage")  # each may import those before it
KERNEL = "ssaas.common"


@dataclass(frozen=True)
class Import:
    source: str
    target: str
    path: str
    line: int
    missing: str = ""  # the module named, when it is not there (target: its nearest package)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}  {self.source} → {self.target}"


def find_modules(root: Path, packages: Iterable[str]) -> dict[str, Path]:
    """Dotted name → file, for every .py file under the packages."""
    found = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _within(name: str, packages: Iterable[str]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def _resolve(name: str, modules: dict[str, Path]) -> str:
    """The module itself, or the nearest enclosing one that exists (a name in it)."""
    while name not in modules and "." in name:
        name = name.rsplit(".", 1)[0]
    return name


def find_imports(root: Path, packages: Iterable[str] = PACKAGES) -> tuple[dict[str, Path], list[Import]]:
    packages = tuple(packages)
    modules = find_modules(root, packages)
    found = []
    for module, path in modules.items():
        is_package = path.name == "__init__.py"
        tree = ast.parse(path.read_text(), filename=str(path))
        relative = str(path.relative_to(root))
        for node in ast.walk(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = module.split(".") if is_package else module.split(".")[:-1]
                    base = base[: len(base) - (node.level - 1)]
                    origin = ".".join(base + ([node.module] if node.module else []))
                else:
                    origin = node.module or ""
                for alias in node.names:
                    submodule = f"{origin}.{alias.name}"
                    targets.append(submodule if submodule in modules else origin)
            for target in targets:
                if _within(target, packages):
                    found.append(
                        Import(
                            module,
                            _resolve(target, modules),
                            relative,
                            node.lineno,
                            "" if target in modules else target,
                        )
                    )
    return modules, found


def find_cycles(imports: list[Import]) -> list[list[Import]]:
    """Each group of modules that import one another (a strongly connected component
    of more than one module, or a module importing itself): a shortest cycle through
    it first, then the group's other imports."""
    graph: dict[str, dict[str, Import]] = {}
    for imp in imports:
        graph.setdefault(imp.source, {}).setdefault(imp.target, imp)
        graph.setdefault(imp.target, {})

    # Tarjan's algorithm, iteratively (a deep import chain must not hit the recursion limit).
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    groups: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1 or node in graph[node]:
                    groups.append(sorted(group))

    cycles = []
    for group in sorted(groups):
        members = set(group)
        cycle = _shortest_cycle(graph, group[0], members)
        rest = sorted(
            (imp for source in group for target, imp in graph[source].items() if target in members),
            key=lambda imp: (imp.source, imp.target),
        )
        cycles.append(cycle + [imp for imp in rest if imp not in cycle])
    return cycles


def _shortest_cycle(graph: dict[str, dict[str, Import]], start: str, members: set[str]) -> list[Import]:
    """Breadth first from ``start`` back to it, inside the group."""
    came_from: dict[str, Import] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for target in sorted(graph[node]):
                if target not in members:
                    continue
                if target == start:
                    chain = [graph[node][target]]
                    while chain[0].source != start:
                        chain.insert(0, came_from[chain[0].source])
                    return chain
                if target not in came_from:
                    came_from[target] = graph[node][target]
                    following.append(target)
        frontier = following
    raise AssertionError(f"{start} is in a cycle but reaches no way back")  # not reached for a real group


def _app(module: str) -> int | None:
    top = module.split(".")[0]
    return APPS.index(top) if top in APPS else None


def find_forbidden(imports: list[Import]) -> list[Import]:
    """Imports across the kernel's boundary either way, and from an app up to one
    that reads it."""
    forbidden = []
    for imp in imports:
        from_app, to_app = _app(imp.source), _app(imp.target)
        from_kernel = _within(imp.source, [KERNEL])
        to_kernel = _within(imp.target, [KERNEL])
        if from_app is not None and _within(imp.target, ["ssaas"]) and not to_kernel:
            forbidden.append(imp)
        elif from_kernel and not to_kernel:
            forbidden.append(imp)
        elif from_app is not None and to_app is not None and to_app > from_app:
            forbidden.append(imp)
    return forbidden


def describe_cycles(cycles: list[list[Import]], noun: str = "module") -> str:
    lines = []
    for chain in cycles:
        members = sorted({imp.source for imp in chain})
        lines.append(f"cycle among {len(members)} {noun}(s): {', '.join(members)}")
        lines.extend(f"    {imp}" for imp in chain)
    return "\n".join(lines)


# The checks on this repository.


def test_the_walk_sees_the_apps_imports():
    # Guards the checks below against passing because they read nothing.
    modules, imports = find_imports(ROOT)
    assert {"ssaas.common.secrets", "providers.models", "usage.models", "ssaas.apps"} <= set(modules)
    assert any(imp.source == "providers.models" and imp.target == "ssaas.common.secrets" for imp in imports)


def test_every_import_of_our_modules_finds_the_module():
    # A module moved without its importers following (a relative import, say).
    _, imports = find_imports(ROOT)
    missing = [f"    {imp.path}:{imp.line}  {imp.source} imports {imp.missing}" for imp in imports if imp.missing]
    assert not missing, "Imports of modules that are not there:\n" + "\n".join(missing)


def test_no_import_cycles():
    _, imports = find_imports(ROOT)
    cycles = find_cycles(imports)
    assert not cycles, "Import cycles (each module listed reaches itself again):\n" + describe_cycles(cycles)


def test_apps_import_only_the_kernel_of_ssaas_and_the_kernel_imports_no_app():
    _, imports = find_imports(ROOT)
    forbidden = find_forbidden(imports)
    assert not forbidden, (
        "An app may import only ssaas.common of ssaas, and only the apps it reads (usage → "
        "provisioning → providers); ssaas.common imports none of our apps nor the rest of ssaas:\n"
        + "\n".join(f"    {imp}" for imp in forbidden)
    )


# The checker itself, on a small tree made for it.


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_a_cycle_through_a_function_level_import_is_found_and_listed(tmp_path):
    write(
        tmp_path,
        {
            "usage/__init__.py": "",
            "usage/tasks.py": "from usage.services import collection\n",
            "usage/services/__init__.py": "",
            "usage/services/collection.py": "def run():\n    from ..tasks import go\n",
            "usage/clean.py": "import usage.services.collection\n",
            "usage/loop.py": "from . import loop\n",
        },
    )
    _, imports = find_imports(tmp_path, ["usage"])
    cycles = find_cycles(imports)

    assert describe_cycles(cycles) == "\n".join(
        [
            "cycle among 1 module(s): usage.loop",
            "    usage/loop.py:1  usage.loop → usage.loop",
            "cycle among 2 module(s): usage.services.collection, usage.tasks",
            "    usage/services/collection.py:2  usage.services.collection → usage.tasks",
            "    usage/tasks.py:1  usage.tasks → usage.services.collection",
        ]
    )


def test_every_import_across_the_kernels_boundary_is_listed(tmp_path):
    write(
        tmp_path,
        {
            "ssaas/__init__.py": "",
            "ssaas/roles.py": "",
            "ssaas/common/__init__.py": "",
            "ssaas/common/formats.py": "import datetime\nfrom django.conf import settings\n",
            "ssaas/common/secrets.py": "from . import formats\nfrom providers.models import Provider\n",
            "ssaas/common/charts.py": "def f():\n    from ..roles import ROLES\n",
            "ssaas/urls.py": "import usage.admin\n",
            "providers/__init__.py": "",
            "providers/models.py": "from ssaas.common import secrets\nfrom ssaas import roles\n",
            "providers/policies.py": "def f():\n    from provisioning.models import Service\n",
            "provisioning/__init__.py": "",
            "provisioning/models.py": "from providers.models import Provider\nfrom usage import admin\n",
            "usage/__init__.py": "",
            "usage/admin.py": "import ssaas.common.formats\nclass A:\n    def f(self):\n        import ssaas\n",
        },
    )
    _, imports = find_imports(tmp_path, PACKAGES)

    assert [str(imp) for imp in find_forbidden(imports)] == [
        "ssaas/common/charts.py:2  ssaas.common.charts → ssaas.roles",
        "ssaas/common/secrets.py:2  ssaas.common.secrets → providers.models",
        "providers/models.py:2  providers.models → ssaas.roles",
        "providers/policies.py:2  providers.policies → provisioning.models",
        "provisioning/models.py:2  provisioning.models → usage.admin",
        "usage/admin.py:4  usage.admin → ssaas",
    ]


# Folders: a concern folder inside an app (usage/ctop, usage/billing, …) is one node,
# each module at an app's top level (usage/choices.py, usage/admin.py) another.


def folder_of(module: str) -> str:
    """``usage.ctop.pipeline`` → ``usage.ctop``; ``usage.choices`` → ``usage.choices``;
    ``usage`` → ``usage``: the part of an app a module belongs to."""
    return ".".join(module.split(".")[:2])


def find_folder_cycles(imports: list[Import]) -> list[list[Import]]:
    """The cycles between folders, each import standing for its folders (the first
    import found for each step)."""
    between = [
        Import(folder_of(imp.source), folder_of(imp.target), imp.path, imp.line)
        for imp in imports
        if folder_of(imp.source) != folder_of(imp.target)
    ]
    return find_cycles(between)


def test_no_import_cycles_between_folders():
    _, imports = find_imports(ROOT)
    cycles = find_folder_cycles(imports)
    assert not cycles, (
        "Folders that import one another (each folder listed reaches itself again; "
        "the line is one import that makes the step):\n" + describe_cycles(cycles, "folder")
    )


def test_folders_importing_each_other_through_different_modules_are_a_cycle(tmp_path):
    # No module cycle here, yet ctop and carrier_files depend on each other: the
    # base folder reads a field list from the concern built on it.
    write(
        tmp_path,
        {
            "usage/__init__.py": "",
            "usage/choices.py": "",
            "usage/carrier_files/__init__.py": "",
            "usage/carrier_files/framing.py": "",
            "usage/carrier_files/layouts.py": "from usage.ctop.parser import FIELDS\nfrom usage import choices\n",
            "usage/ctop/__init__.py": "",
            "usage/ctop/parser.py": "from usage.carrier_files.framing import Frame\n",
            "usage/ctop/ingest.py": "import usage.ctop.parser\nfrom usage.choices import X\n",
        },
    )
    _, imports = find_imports(tmp_path, ["usage"])

    assert find_cycles(imports) == []
    assert describe_cycles(find_folder_cycles(imports), "folder") == "\n".join(
        [
            "cycle among 2 folder(s): usage.carrier_files, usage.ctop",
            "    usage/carrier_files/layouts.py:1  usage.carrier_files → usage.ctop",
            "    usage/ctop/parser.py:1  usage.ctop → usage.carrier_files",
        ]
    )
