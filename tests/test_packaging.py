"""The installed package serves every package of the checkout, from any working directory.

Run from the checkout, Python finds the packages on its path whether or not they were
installed; a user running `python -m lifting.train` elsewhere gets only what setup.py
packaged (a hand-kept include list once left `common` out, which every binary imports).
"""
import importlib.metadata
import os
import subprocess
import sys

import pytest

from tests.conftest import REPO

DISTRIBUTION = "unified-pose-action"


def _installed() -> bool:
    try:
        importlib.metadata.distribution(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


@pytest.mark.skipif(not _installed(), reason=f"{DISTRIBUTION} is not pip-installed here "
                    "(`make test` installs it)")
def test_every_package_imports_outside_the_checkout(tmp_path):
    packages = sorted(name for name in os.listdir(REPO) if name != "tests"
                      and os.path.isfile(os.path.join(REPO, name, "__init__.py")))
    script = ("import importlib.util, sys\n"
              "missing = [p for p in sys.argv[1:] if importlib.util.find_spec(p) is None]\n"
              "sys.exit(f'not importable: {missing}' if missing else 0)")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run([sys.executable, "-c", script, *packages], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    assert "lifting" in packages and "common" in packages
    assert result.returncode == 0, result.stderr[-2000:]
