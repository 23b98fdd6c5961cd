"""bench/gpu_run.py at toy size on the CPU: the GPU window's script must run end to end before a GPU is at hand."""
import json, os, subprocess, sys
from pathlib import Path
from lincae.model import CAE

ROOT = Path(__file__).resolve().parents[1]


def test_gpu_run_toy(tmp_path):
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "gpu_run.py"), "--out", str(out), "--device", "cpu",
                           "--toy", "--minutes", "2"], capture_output=True, text=True, timeout=600,
                          env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads((out / "gpu_summary.json").read_text())
    rows = summary["benchmark"]["bf16+channels_last"]
    assert {r["task"] for r in rows} == {"train", "decode"} and all(r["ratio"] > 0 and r["tflops"] > 0 for r in rows)
    assert summary["batch_probe"]["batch"] >= 2
    training = summary["training"]
    assert training["steps"] >= 2 and training["validation"], training
    assert all(v["val_mel"] == v["val_mel"] for v in training["validation"])        # finite, logged
    model = CAE.load(out / training["checkpoint"])
    assert model.config.name == "tiny"
    assert len(list(out.iterdir())) <= 8                                             # what the device tool brings back
