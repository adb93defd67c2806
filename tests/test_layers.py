"""The packages stand on floors and import only downwards; no module imports a binary.

  floor 0  common, pretrained   general utilities and the shipped files: no other package
  floor 1  datasets             real formats -> numpy
  floor 2  lifting, spmf, enas, pose2d   the stages, none importing another
  floor 3  recognition          skeletons -> images -> ENAS networks (spmf, enas, lifting)
  floor 4  pipeline             every stage together
  floor 5  bench                measures all of them
A binary (a module with a `__main__` entry) is flags in, one library call, results out:
nothing but the tests imports one, so renaming a binary's flag cannot change another.
"""
import ast
import pathlib

import pytest

from tests.conftest import REPO

FLOORS = {"common": 0, "pretrained": 0, "datasets": 1, "lifting": 2, "spmf": 2, "enas": 2,
          "pose2d": 2, "recognition": 3, "pipeline": 4, "bench": 5}


def _modules() -> dict[str, pathlib.Path]:
    return {f"{path.parent.name}.{path.stem}".removesuffix(".__init__"): path
            for package in FLOORS for path in sorted((REPO / package).glob("*.py"))}


MODULES = _modules()


def _imported(path: pathlib.Path) -> set[str]:
    """Every project module or package PATH imports (at any depth of its code)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        found |= {name for name in names if name in MODULES or name in FLOORS}
    return found


def _is_binary(path: pathlib.Path) -> bool:
    return 'if __name__ == "__main__":' in path.read_text(encoding="utf-8")


def test_every_package_of_the_repository_has_a_floor():
    packages = {path.parent.name for path in REPO.glob("*/__init__.py")} - {"tests"}
    assert packages == set(FLOORS)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_go_down_or_stay_in_the_package(module):
    package = module.split(".")[0]
    upward = sorted(name for name in _imported(MODULES[module])
                    if (other := name.split(".")[0]) != package
                    and FLOORS[other] >= FLOORS[package])
    assert not upward, f"{module} imports {upward}, not below floor {FLOORS[package]}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_imports_a_binary(module):
    binaries = sorted(name for name in _imported(MODULES[module])
                      if name in MODULES and _is_binary(MODULES[name]))
    assert not binaries, f"{module} imports the binaries {binaries}"


def test_the_rule_finds_what_it_looks_for():
    """The checks see real imports: the pipeline imports a stage, a binary is recognised."""
    assert "lifting.deployed" in _imported(MODULES["pipeline.analysis"])
    assert _is_binary(MODULES["lifting.train"]) and not _is_binary(MODULES["lifting.trainer"])


_IMPORT_ALL = """
import importlib, logging, os, sys
from absl import logging as absl_logging
import cv2, h5py, keras, matplotlib, scipy, tensorflow  # what they set on import is theirs
before = dict(os.environ)
for name in sys.argv[1:]:
    importlib.import_module(name)
changed = sorted(k for k in set(os.environ) | set(before) if os.environ.get(k) != before.get(k))
filters = absl_logging.get_absl_logger().filters
level = logging.getLogger("tensorflow").level
print(changed, len(filters), level)
sys.exit(1 if changed or filters or level else 0)
"""


@pytest.mark.slow  # one interpreter importing TensorFlow and every library module
def test_importing_the_libraries_changes_neither_the_environment_nor_logging():
    import subprocess
    import sys
    libraries = sorted(name for name, path in MODULES.items()
                       if not _is_binary(path) and name != "common.quiet_tensorflow")
    result = subprocess.run([sys.executable, "-c", _IMPORT_ALL, *libraries], cwd=REPO,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, (result.stdout, result.stderr[-2000:])
