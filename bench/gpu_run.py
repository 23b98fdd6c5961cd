"""One GPU window, used to the minute: the step benchmark against the authors, then the best tiny recipe trained
at the largest batch that fits, for whatever time is left.

Phases (each bounded by the deadline `--minutes` after start; every phase writes its JSON as soon as it ends, so a
run cut short still leaves what it measured):

1. `compare_authors.py` twice on the same warm GPU, the paper and tiny networks side by side with the authors' code:
   (a) both sides bf16 autocast; (b) lincae bf16 + channels_last + `torch.compile` of its U-Net against the authors
   in bf16. Attention is already `scaled_dot_product_attention` in lincae (the authors' code uses its own). Each row
   reports the ours/authors ratio and lincae's achieved TFLOP/s (FLOPs of one training step counted with
   `torch.utils.flop_counter`) as a share of the chip's dense bf16 peak.
2. Batch probe: one Lin-CAE training step (the real loss, doubled batch) at batch 32, 64, 128, … until the GPU runs
   out of memory or a step takes too long; the batch with the most crops per second is kept.
3. Training: `lincae.train` with the tiny preset's defaults at that batch, its step count chosen so that the run
   ends before the deadline (the Δ and cosine schedules need the true total), validation every tenth of the run.
   The exported checkpoint, log and curve go to the output folder.

On the device machine (from the repository root, `.gpu-wheels` and `.bench-deps` carried; see bench/gpu.sh):

    bash bench/gpu.sh "$OUT" 9

CPU toy run (what CI runs, tests/test_gpu_run.py): `python bench/gpu_run.py --out /tmp/gpu-toy --device cpu --toy --minutes 2`
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from lincae.consistency import consistency_loss       # noqa: E402
from lincae.model import CAE                           # noqa: E402
from lincae.runtime import autocast_and_scaler         # noqa: E402
from lincae.train import TrainConfig, train, export_model, read_log   # noqa: E402

# dense bf16 tensor-core peaks (FLOP/s) by device-name fragment; used only to report a share of peak
BF16_PEAK = {"H200": 989e12, "H100": 989e12, "A100": 312e12, "L40S": 362e12, "L4": 121e12}


def bf16_peak(device: torch.device) -> float | None:
    if device.type != "cuda": return None
    name = torch.cuda.get_device_name(device)
    return next((v for k, v in BF16_PEAK.items() if k in name), None)


def write_json(path: Path, payload: dict) -> None:
    "Atomic JSON write (a cut run never leaves half a file)."
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(payload, indent=1) + "\n")
    tmp.replace(path)
    print(f"wrote {path}", flush=True)


def left(deadline: float) -> float: return deadline - time.monotonic()


def benchmark(out: Path, device: torch.device, toy: bool) -> dict:
    "Phase 1: compare_authors.py in bf16, then with channels_last + torch.compile; rows with TFLOP/s and % of peak."
    import compare_authors
    configs = ["tiny"] if toy else ["paper", "tiny"]
    batches = ["--batch-paper", "2" if toy else "8", "--batch-tiny", "2" if toy else "64"]
    runs = {"bf16": ["--precision", "bf16", "--authors-precision", "bf16"],
            "bf16+channels_last+compile": ["--precision", "bf16", "--authors-precision", "bf16", "--channels-last", "--compile"]}
    if toy: runs = {"bf16+channels_last": ["--precision", "bf16", "--authors-precision", "bf16", "--channels-last", "--warmup", "1"]}
    results = {}
    for name, flags in runs.items():
        path = out / f"compare_{name.replace('+', '_')}.json"
        compare_authors.main(["--configs", *configs, *batches, "--device", str(device), "--repeats", "3",
                              "--flops", *flags, "--json", str(path)])
        rows = json.loads(path.read_text())["results"]
        peak = bf16_peak(device)
        for r in rows:
            r["peak_share"] = r["tflops"] * 1e12 / peak if peak and r.get("tflops") else None
        results[name] = rows
    return results


def probe_batch(device: torch.device, toy: bool, step_limit_s: float) -> dict:
    "Phase 2: the batch (clean crops) with the most crops/s that fits, timing one real Lin-CAE step per size."
    from lincae.train import training_loss, step_generator
    cfg = TrainConfig(method="lin-cae", model="tiny", steps=1000).resolved()
    autocast, _ = autocast_and_scaler(device, cfg.precision)
    model = CAE.from_preset("tiny").to(device)
    opt = torch.optim.RAdam(model.parameters(), 1e-4)
    sizes = [2, 4] if toy else [32, 64, 128, 256, 512, 1024]
    tried = []
    for batch in sizes:
        audio = 0.1 * torch.randn(batch, model.frontend.segment_samples(cfg.crop_frames), device=device)
        try:
            times = []
            for i in range(3):
                t0 = time.perf_counter()
                with autocast: loss = training_loss(model, audio, 500, cfg, step_generator(0, i, 0))
                opt.zero_grad(set_to_none=True); loss.backward(); opt.step()
                if device.type == "cuda": torch.cuda.synchronize()
                times.append(time.perf_counter() - t0)
        except torch.OutOfMemoryError:
            tried.append(dict(batch=batch, oom=True)); break
        finally:
            if device.type == "cuda": torch.cuda.empty_cache()
        step = min(times[1:])
        tried.append(dict(batch=batch, step_s=step, crops_per_s=batch / step))
        print(f"batch {batch}: {step:.3f} s/step, {batch / step:.0f} crops/s", flush=True)
        if step > step_limit_s: break
    fits = [t for t in tried if not t.get("oom")]
    best = max(fits, key=lambda t: t["crops_per_s"])
    return dict(tried=tried, batch=best["batch"], step_s=best["step_s"])


def train_for(out: Path, device: torch.device, batch: int, step_s: float, seconds: float, toy: bool) -> dict:
    """Phase 3: the tiny preset's recipe at `batch`, as many steps as fit in `seconds` (less validation and setup).
    The run folder is a temporary one (the device tool brings back at most 8 files): the exported checkpoint, the log
    and the curve are copied to `out`."""
    steps = max(2, int(seconds * 0.85 / step_s))
    every = max(1, steps // 10)
    cfg = TrainConfig(method="lin-cae", model="tiny", steps=steps, batch_size=batch, seed=0, device=str(device),
                      out_dir=tempfile.mkdtemp(prefix="lincae-gpu-run-"), validate_every=every, checkpoint_every=every, log_every=max(1, every // 5),
                      data_workers=0 if toy else min(8, max(1, (os.cpu_count() or 2) - 2)),
                      validation_songs=1 if toy else 6)
    print(f"training {steps} steps at batch {batch} (≈{steps * step_s:.0f} s)", flush=True)
    t0 = time.monotonic()
    run = train(cfg)
    seconds_used = time.monotonic() - t0
    exported = export_model(run / "last.ckpt", out / "tiny-lin-cae-gpu.ckpt")
    shutil.copy(run / "log.jsonl", out / "train_log.jsonl")
    if (run / "loss.png").exists(): shutil.copy(run / "loss.png", out / "train_curve.png")
    validation = [r for r in read_log(run) if "val_mel" in r]
    return dict(config=asdict(cfg.resolved()), seconds=seconds_used, steps=steps, checkpoint=exported.name,
                validation=validation)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", required=True, help="output folder (created)")
    p.add_argument("--minutes", type=float, default=9.0, help="the whole run ends within this many minutes")
    p.add_argument("--device", default="cuda")
    p.add_argument("--toy", action="store_true", help="tiny sizes, for a CPU check of the script itself")
    a = p.parse_args(argv)
    deadline = time.monotonic() + 60 * a.minutes
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    device = torch.device(a.device)
    summary = dict(device=torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
                   torch=torch.__version__, minutes=a.minutes, toy=a.toy, command=" ".join(sys.argv))
    summary_path = out / "gpu_summary.json"
    summary["benchmark"] = benchmark(out, device, a.toy); write_json(summary_path, summary)
    print(f"{left(deadline):.0f} s left after the benchmark", flush=True)
    summary["batch_probe"] = probe_batch(device, a.toy, step_limit_s=min(5.0, left(deadline) / 20))
    write_json(summary_path, summary)
    remaining = left(deadline) - 45          # export, copies, JSON
    if remaining < 30 and not a.toy: print("no time left to train", flush=True); return
    summary["training"] = train_for(out, device, summary["batch_probe"]["batch"], summary["batch_probe"]["step_s"],
                                    remaining, a.toy)
    summary["seconds_left"] = left(deadline)
    write_json(summary_path, summary)


if __name__ == "__main__":
    main()
