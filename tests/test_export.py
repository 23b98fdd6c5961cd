"`lincae/` must be exactly what `nbdev_export` makes of `nbs/`: nobody edits the generated package by hand."
import filecmp, shutil, subprocess, sys
from pathlib import Path

def test_package_matches_notebooks(repo, tmp_path):
    for name in ("settings.ini", "setup.py"): shutil.copy(repo / name, tmp_path / name)
    shutil.copytree(repo / "nbs", tmp_path / "nbs", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    (tmp_path / "lincae").mkdir()
    shutil.copy(repo / "lincae" / "__init__.py", tmp_path / "lincae" / "__init__.py")
    exporter = Path(sys.executable).parent / "nbdev_export"
    subprocess.run([str(exporter)], cwd=tmp_path, check=True, capture_output=True)
    ours = sorted(p.name for p in (repo / "lincae").glob("*.py"))
    fresh = sorted(p.name for p in (tmp_path / "lincae").glob("*.py"))
    assert ours == fresh, f"modules differ: in lincae/ {ours}, exported {fresh}"
    stale = [n for n in ours if not filecmp.cmp(repo / "lincae" / n, tmp_path / "lincae" / n, shallow=False)]
    assert not stale, f"lincae/{stale} differ from nbs/: run nbdev_export"

def test_ci_runs_the_readme_test_command(repo):
    readme, ci = (repo / "README.md").read_text(), (repo / ".ci" / "run").read_text()
    command = next(l.split("#")[0].strip() for l in readme.splitlines() if l.startswith("make test"))
    assert command in [l.strip() for l in ci.splitlines()], f"`.ci/run` must call the README's `{command}`"
