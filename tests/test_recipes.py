"""Every recipe file parses with the flags of the binary it names, so that a renamed or removed
flag cannot leave a recipe broken; the paper recipe and --preset=paper agree."""
import json
import pathlib
import re
import subprocess
import sys

from tests.conftest import REPO

RECIPES = sorted((REPO / "recipes").rglob("*.flags"))
_COMMAND = re.compile(r"^# python -m ([\w.]+) .*--flagfile=(\S+)")

# Expands each recipe with absl's own flagfile reader and parses every value with its flag's
# parser: unknown names and bad values (an enum outside its choices, text for a number) fail.
# One process for every binary: each binary's flags are removed before the next defines its own.
_CHECK = """
import importlib, json, sys
from absl import flags
FLAGS = flags.FLAGS
problems = {}
for job in sys.argv[1:]:
    binary, *paths = job.split(",")
    before = set(FLAGS)
    importlib.import_module(binary).define_flags()
    for path in paths:
        for argument in FLAGS.read_flags_from_files([f"--flagfile={path}"]):
            name, _, value = argument.lstrip("-").partition("=")
            if name not in FLAGS and name.startswith("no") and name[2:] in FLAGS:
                name, value = name[2:], "false"
            try:
                if name not in FLAGS or name in before:
                    raise KeyError(f"no flag --{name} in {binary}")
                flag = FLAGS[name]
                flag.parse(value if value or not flag.boolean else "true")
            except Exception as error:
                problems.setdefault(path, []).append(f"{argument}: {error}")
    for name in set(FLAGS) - before:
        delattr(FLAGS, name)
print(json.dumps(problems))
"""


def _binary_of(path: pathlib.Path) -> str:
    for line in path.read_text().splitlines():
        match = _COMMAND.match(line)
        if match:
            assert match.group(2) == str(path.relative_to(REPO)), (path, line)
            return match.group(1)
    raise AssertionError(f"{path}: no '# python -m MODULE --flagfile={path.name}' line")


def test_every_recipe_names_its_binary_and_each_binary_with_a_run_folder_has_a_smoke_recipe():
    binaries = {_binary_of(path) for path in RECIPES}
    smoke = {path.stem for path in (REPO / "recipes" / "smoke").glob("*.flags")}
    assert {"lifting.train", "lifting.evaluate", "enas.search", "enas.train",
            "recognition.experiment", "spmf.render"} <= smoke
    assert binaries >= smoke


def test_every_recipe_parses_with_its_binary_flags():
    jobs = {}
    for path in RECIPES:
        jobs.setdefault(_binary_of(path), []).append(str(path.relative_to(REPO)))
    result = subprocess.run([sys.executable, "-c", _CHECK,
                             *(",".join([binary, *paths]) for binary, paths in jobs.items())],
                            cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {}


def test_the_paper_recipe_holds_the_paper_preset():
    from enas.search_flags import PAPER_PRESET
    lines = [line for line in (REPO / "recipes" / "enas" / "paper.flags").read_text().splitlines()
             if line.startswith("--")]
    values = {name.lstrip("-"): float(value) for name, value in
              (line.split("=", 1) for line in lines)}
    assert values == PAPER_PRESET
