"Notebooks run with papermill: heavy (`#| slow`, `#| gpu`) test cells stay out, and papermill reads every parameter."
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

def parameters_papermill_misses(path) -> list:
    """Names assigned in the notebook's `parameters` cell that papermill does not read as parameters (a line it
    cannot parse, e.g. one with `=` in its comment): `-p name value` then warns "unknown parameter" and
    `papermill --help-notebook` leaves the name out."""
    from papermill.translators import PythonTranslator
    missed = []
    for cell in json.loads(path.read_text())["cells"]:
        if "parameters" not in cell.get("metadata", {}).get("tags", []): continue
        source = "".join(cell["source"])
        seen = {p.name for p in PythonTranslator.inspect({"source": source})}
        missed += [n for n in re.findall(r"^(\w+)\s*=", source, re.M) if n not in seen]
    return missed

def test_papermill_reads_every_parameter(repo):
    for path in sorted((repo / "nbs").glob("*.ipynb")):
        missed = parameters_papermill_misses(path)
        assert not missed, f"{path.name}: papermill cannot read parameters {missed} (no `=` in their comments)"

def test_the_check_sees_an_unreadable_parameter(tmp_path):
    nb = {"cells": [{"cell_type": "code", "metadata": {"tags": ["parameters"]},
                     "source": ["steps = 3  # how many\n", "c = 0.5  # c = f·√d\n"]}]}
    (tmp_path / "n.ipynb").write_text(json.dumps(nb))
    assert parameters_papermill_misses(tmp_path / "n.ipynb") == ["c"]
