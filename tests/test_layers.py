"""Dependencies point one way: scripts -> mains, checker -> dual -> reference -> shared (speed/ apart,
used by the scripts and the benchmark only): no module imports a layer above its own."""

import ast

import pytest

from conftest import ROOT

MAY_IMPORT = {
    "shared": {"shared"},
    "speed": {"speed", "shared"},
    "reference": {"reference", "shared"},
    "dual": {"dual", "reference", "shared"},
    "mains": {"mains", "dual", "reference", "shared", "speed"},
    "checker": {"checker", "dual", "reference", "shared"},
}


def project_imports(path):
    """The top-level project packages a module imports (at any depth of its code)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names & set(MAY_IMPORT)


@pytest.mark.parametrize("package", sorted(MAY_IMPORT))
def test_no_module_imports_a_layer_above_its_own(package):
    for path in sorted((ROOT / package).rglob("*.py")):
        wrong = project_imports(path) - MAY_IMPORT[package]
        assert not wrong, f"{path.relative_to(ROOT)} imports {sorted(wrong)}"
