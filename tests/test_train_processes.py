"Training as users run it: a real process killed with SIGKILL and resumed, and two data-parallel processes."
import json, os, signal, subprocess, sys, time
from pathlib import Path
import torch
from lincae.model import read_checkpoint

BIN = Path(sys.executable).parent
ARGS = ["--steps", "6", "--batch-size", "2", "--checkpoint-every", "2", "--seed", "5", "--log-every", "1",
        "--crop-frames", "16", "--device", "cpu"]

def train_cmd(out: Path, *extra) -> list[str]:
    return [str(BIN / "lincae-train"), *ARGS, "--out-dir", str(out), *extra]

def assert_same_weights(a: Path, b: Path):
    ca, cb = read_checkpoint(a), read_checkpoint(b)
    assert ca["step"] == cb["step"]
    for part in ("model", "ema"):
        for k, v in ca[part].items(): assert torch.equal(v, cb[part][k]), f"{part}.{k} differs"

def test_sigkill_then_resume_is_bit_identical(tmp_path):
    subprocess.run(train_cmd(tmp_path / "whole"), check=True, capture_output=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
    proc = subprocess.Popen(train_cmd(tmp_path / "cut"), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "OMP_NUM_THREADS": "1"})
    deadline = time.time() + 300
    while not (tmp_path / "cut" / "step-00000002.ckpt").exists():
        assert proc.poll() is None and time.time() < deadline, "training ended or stalled before its first checkpoint"
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL); proc.wait()
    assert not (tmp_path / "cut" / "step-00000006.ckpt").exists(), "killed too late to test anything"
    done = subprocess.run(train_cmd(tmp_path / "cut"), check=True, capture_output=True, text=True,
                          env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert "resuming" in done.stdout
    assert_same_weights(tmp_path / "whole" / "last.ckpt", tmp_path / "cut" / "last.ckpt")

def test_two_cpu_processes_hold_identical_parameters(tmp_path):
    cmd = [str(BIN / "torchrun"), "--nproc_per_node", "2", "--master_port", "29517", str(BIN / "lincae-train"),
           *ARGS, "--out-dir", str(tmp_path / "ddp")]
    subprocess.run(cmd, check=True, capture_output=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
    ranks = json.loads((tmp_path / "ddp" / "ranks.json").read_text())
    assert ranks["world"] == 2 and ranks["param_checksums"][0] == ranks["param_checksums"][1]
    assert read_checkpoint(tmp_path / "ddp" / "last.ckpt")["step"] == 6
