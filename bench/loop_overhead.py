"""How much of a real Lin-CAE training step is the model's own compute, fp32 against bf16 autocast, side by side.

Times, in one process and on the same data:
  * `loop`: one step of lincae's training loop as `train` runs it (batch drawn by `batches` with its data workers,
    the Lin-CAE augmentation, the consistency loss, backward, gradient clipping, RAdam, EMA update);
  * `model`: the model's own compute for the same (doubled) batch: encoder + consistency loss + backward + RAdam on a
    fixed representation, nothing else;
for each precision asked, and prints the ratio loop / model (the floor of the speed issue: ≤ 1.2). With `--profile`
it also writes a `torch.profiler` summary of one loop step (top ops by self CPU time).

Exact command (from the repository root):

    .venv/bin/python bench/loop_overhead.py --steps 8 --json bench/results/loop_overhead_cpu.json --profile bench/results/loop_profile_cpu.txt
"""
from __future__ import annotations

import argparse, copy, json, os, platform, statistics, sys, time
from pathlib import Path

import torch

from lincae.consistency import consistency_loss, delta_schedule
from lincae.model import CAE
from lincae.runtime import autocast_and_scaler
from lincae.train import (TrainConfig, batches, make_dataset, step_generator, training_loss,
                          update_ema)


def loop_step(cfg: TrainConfig, precision: str, start: int = 0):
    "A closure running the training loop's step `start`, `start + 1`, … (exactly as `train` does, minus logging)."
    model = CAE.from_preset(cfg.model, **cfg.model_overrides)
    ema = copy.deepcopy(model).requires_grad_(False).eval()
    opt = torch.optim.RAdam([p for p in model.parameters() if p.requires_grad], lr=cfg.lr)
    autocast, _ = autocast_and_scaler(torch.device("cpu"), precision)
    loader = iter(batches(make_dataset(cfg, model.config), start, cfg.steps, cfg.batch_size, workers=cfg.data_workers))
    state = dict(step=start)

    def step():
        s = state["step"]; state["step"] += 1
        audio = next(loader)
        for group in opt.param_groups: group["lr"] = cfg.lr
        with autocast: loss = training_loss(model, audio, s, cfg, step_generator(cfg.seed, s))
        opt.zero_grad(set_to_none=True); loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip); opt.step()
        update_ema(ema, model, s, cfg.ema_decay)
        return loss.item()
    return step


def model_step(cfg: TrainConfig, precision: str, items: int):
    """A closure running only the model's compute on a fixed input: the encoder on the batch's `cfg.batch_size`
    sources and the consistency loss on `items` decoder items (Lin-CAE: the doubled batch, mixtures included)."""
    model = CAE.from_preset(cfg.model, **cfg.model_overrides)
    opt = torch.optim.RAdam(model.parameters(), lr=cfg.lr)
    autocast, _ = autocast_and_scaler(torch.device("cpu"), precision)
    audio = 0.1 * torch.randn(items, model.frontend.segment_samples(cfg.crop_frames), generator=torch.Generator().manual_seed(0))
    rep, gen = model.frontend.to_rep(audio), torch.Generator().manual_seed(0)

    def step():
        with autocast:
            z = model.encoder(rep[:cfg.batch_size])
            z = torch.cat([z, z.roll(1, 0)])[:items]
            loss, _ = consistency_loss(model, rep, z, delta_schedule(0, 100), gen, noise_distribution=cfg.noise_distribution)
        opt.zero_grad(set_to_none=True); loss.backward(); opt.step()
        return loss.item()
    return step


def timed(fn, steps: int, warmup: int = 2) -> list[float]:
    for _ in range(warmup): fn()
    out = []
    for _ in range(steps):
        t0 = time.perf_counter(); fn(); out.append(time.perf_counter() - t0)
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--method", default="lin-cae")
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--steps", type=int, default=8)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--precisions", default="fp32,bf16")
    p.add_argument("--json", metavar="PATH")
    p.add_argument("--profile", metavar="PATH", help="write a torch.profiler table of one loop step (bf16 if asked)")
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads); torch.manual_seed(0)
    cfg = TrainConfig(method=a.method, batch_size=a.batch, steps=10_000).resolved()
    items = 2 * a.batch if cfg.mixtures else a.batch
    rows = {}
    for precision in a.precisions.split(","):
        loop, model = timed(loop_step(cfg, precision), a.steps), timed(model_step(cfg, precision, items), a.steps)
        rows[precision] = dict(loop_s=statistics.median(loop), model_s=statistics.median(model), loop_times=loop, model_times=model)
        r = rows[precision]
        print(f"{precision}: loop step {r['loop_s']:.3f} s, model alone ({items} items) {r['model_s']:.3f} s, "
              f"ratio {r['loop_s'] / r['model_s']:.2f}", flush=True)
    if "fp32" in rows and "bf16" in rows:
        print(f"bf16 / fp32: loop {rows['bf16']['loop_s'] / rows['fp32']['loop_s']:.2f}, "
              f"model {rows['bf16']['model_s'] / rows['fp32']['model_s']:.2f}")
    if a.profile:
        from torch.profiler import ProfilerActivity, profile
        step = loop_step(cfg, a.precisions.split(",")[-1], start=50)
        step()
        with profile(activities=[ProfilerActivity.CPU]) as prof: step()
        Path(a.profile).write_text(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=30) + "\n")
        print(f"wrote {a.profile}")
    if a.json:
        env = dict(torch=torch.__version__, python=platform.python_version(), machine=platform.machine(),
                   cores=os.cpu_count(), threads=a.threads, command=" ".join([Path(sys.argv[0]).as_posix(), *sys.argv[1:]]))
        Path(a.json).write_text(json.dumps(dict(benchmark="loop_overhead", method=a.method, batch=a.batch,
                                                decoder_items=items, data_workers=cfg.data_workers, rows=rows, env=env), indent=1) + "\n")
        print(f"wrote {a.json}")


if __name__ == "__main__":
    main()
