"""Wall time of one full Lin-CAE consistency training step (lincae's own model).

One step = STFT front end -> encoder -> consistency loss (student with grad, teacher under no_grad,
same noise) -> backward -> RAdam step, on random audio (x0.1) cut to the preset's training crop
(`TrainConfig.crop_frames` = 64 STFT frames, `CROP_FRAMES` here).  Reports the median of `--steps`
timed steps after 2 warm-up steps, and steps/second.  When the median exceeds 1 s it also prints a
`torch.profiler` table of the top ops of one step.

Exact command (from the repository root):

    .venv/bin/python bench/train_step.py --preset tiny --batch 8 --steps 10 --json bench/results/train_step_cpu.json

Defaults: --preset tiny --batch 8 --steps 10 --threads <number of cores> --device cpu.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path

import torch

from lincae.consistency import consistency_loss
from lincae.model import CAE, count_parameters
from lincae.runtime import autocast_and_scaler

WARMUP = 2
DELTA = 0.05          # student/teacher index gap used for the timed step


def sync(device) -> None:
    if torch.device(device).type == "cuda": torch.cuda.synchronize()


CROP_FRAMES = 64     # the training crop of every preset (TrainConfig.crop_frames's default)


def crop_samples(config) -> int: return config.frontend().segment_samples(CROP_FRAMES)


def random_audio(config, batch: int, device="cpu", seed: int = 0) -> torch.Tensor:
    "`[batch, crop_samples]` Gaussian noise x0.1: one training crop per item."
    g = torch.Generator().manual_seed(seed)
    return (0.1 * torch.randn(batch, crop_samples(config), generator=g)).to(device)


def autocast(device, precision: str):
    "The forward-pass context for `precision` ('fp32' or 'bf16'): lincae.train's own choice for that device."
    return autocast_and_scaler(torch.device(device), precision)[0]


def lincae_train_step(model: CAE, audio: torch.Tensor, seed: int = 0, lr: float = 1e-4, precision: str = "fp32",
                      channels_last: bool = False):
    "A closure that runs one full training step of `model` on `audio` (forward in `precision`) and returns the loss."
    opt = torch.optim.RAdam(model.parameters(), lr)
    gen = torch.Generator().manual_seed(seed)
    model.train()

    def step() -> float:
        rep = model.frontend.to_rep(audio)
        if channels_last: rep = rep.contiguous(memory_format=torch.channels_last)
        with autocast(audio.device, precision):
            loss, _ = consistency_loss(model, rep, model.encoder(rep), DELTA, gen)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss.item()
    return step


def time_calls(fn, repeats: int, warmup: int, device="cpu") -> list[float]:
    "Seconds per call of `fn` for `repeats` calls after `warmup` untimed ones."
    for _ in range(warmup): fn()
    sync(device)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        sync(device)
        times.append(time.perf_counter() - t0)
    return times


def count_flops(fn) -> int:
    "Floating-point operations of one call of `fn` (matmuls and convolutions, forward and backward: torch's counter)."
    from torch.utils.flop_counter import FlopCounterMode
    with FlopCounterMode(display=False) as counter: fn()
    return counter.get_total_flops()


def profile_table(fn, device="cpu", rows: int = 25) -> str:
    "`torch.profiler` table (sorted by self time) of one call of `fn`."
    from torch.profiler import ProfilerActivity, profile
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if torch.device(device).type == "cuda" else [])
    with profile(activities=activities) as prof:
        fn(); sync(device)
    key = "self_cuda_time_total" if torch.device(device).type == "cuda" else "self_cpu_time_total"
    return prof.key_averages().table(sort_by=key, row_limit=rows)


def environment(threads: int, device) -> dict:
    env = dict(torch=torch.__version__, python=platform.python_version(), machine=platform.machine(),
               cores=os.cpu_count(), threads=threads, device=str(device))
    if torch.device(device).type == "cuda": env["gpu"] = torch.cuda.get_device_name()
    return env


def write_json(path, payload: dict) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2) + "\n")
    print(f"wrote {path}")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--preset", default="tiny")
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--steps", type=int, default=10, help="timed steps after 2 warm-up steps (median taken; at least 5)")
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--device", default="cpu")
    p.add_argument("--json", metavar="PATH", help="write the results here")
    a = p.parse_args(argv)
    if a.steps < 5: p.error("--steps must be at least 5")

    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = CAE.from_preset(a.preset).to(a.device)
    c = model.config
    audio = random_audio(c, a.batch, a.device)
    step = lincae_train_step(model, audio)

    print(f"preset {a.preset}: {count_parameters(model) / 1e6:.2f} M parameters, batch {a.batch} x "
          f"{crop_samples(c)} samples ({CROP_FRAMES} frames x {c.bins} bins), "
          f"{a.threads} threads, {a.device}, torch {torch.__version__}")
    times = time_calls(step, a.steps, WARMUP, a.device)
    median = statistics.median(times)
    print("step times (s): " + " ".join(f"{t:.3f}" for t in times))
    print(f"median {median:.3f} s/step  ->  {1 / median:.2f} steps/s  "
          f"({a.batch / median:.1f} crops/s)")

    if median > 1.0:
        print(f"\nmedian above 1 s: torch.profiler, one step, top ops by self time\n")
        print(profile_table(step, a.device))

    if a.json:
        write_json(a.json, dict(benchmark="train_step", preset=a.preset, batch=a.batch,
                                segment_frames=CROP_FRAMES, segment_samples=crop_samples(c),
                                parameters=count_parameters(model), warmup=WARMUP, steps=a.steps,
                                times_s=times, median_s=median, steps_per_s=1 / median,
                                env=environment(a.threads, a.device)))


if __name__ == "__main__":
    main()
