"Notebooks that `make` runs with papermill must not run their heavy (`#| slow`, `#| gpu`) test cells there."
import json, re

HEAVY = re.compile(r"^#\|\s*(slow|gpu)\b", re.M)

def papermill_notebooks(repo) -> list:
    "The notebooks the Makefile runs with papermill (papermill runs every cell: it does not read nbdev's flags)."
    return sorted(set(re.findall(r"papermill\s+(nbs/\S+\.ipynb)", (repo / "Makefile").read_text())))

def unguarded_heavy_cells(path) -> list:
    "First lines of the code cells flagged slow or gpu whose body does not start with an `if IN_TEST` guard."
    found = []
    for cell in json.loads(path.read_text())["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] != "code" or not HEAVY.search(source): continue
        body = [l for l in source.splitlines() if l.strip() and not l.startswith("#|")]
        if not body or not body[0].startswith("if IN_TEST"): found.append(body[0] if body else source)
    return found

def test_make_runs_some_notebooks(repo):
    assert "nbs/03_train.ipynb" in papermill_notebooks(repo)

def test_papermill_runs_skip_heavy_test_cells(repo):
    for name in papermill_notebooks(repo):
        bad = unguarded_heavy_cells(repo / name)
        assert not bad, f"{name}: slow/gpu cells run under papermill (guard them with `if IN_TEST:`): {bad}"

def test_the_check_sees_an_unguarded_cell(tmp_path):
    nb = {"cells": [{"cell_type": "code", "source": ["#| slow\n", "train(big)\n"]},
                    {"cell_type": "code", "source": ["#| slow\n", "if IN_TEST:\n", "    train(big)\n"]}]}
    (tmp_path / "n.ipynb").write_text(json.dumps(nb))
    assert unguarded_heavy_cells(tmp_path / "n.ipynb") == ["train(big)"]
