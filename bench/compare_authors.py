"""lincae against the authors' implementation (PyPI `linear-cae` 0.1.4): same hyper-parameters, same inputs.

For each configuration both networks are built with random weights and the SAME hyper-parameters
(`paper` <-> the authors' `UNet` defaults with hop=512; `tiny` <-> their `UNet` with the tiny preset's
values mapped onto its arguments), their parameter counts are printed and must be identical, then two
things are timed in one process, on one device, with one thread count, each side in the precision asked
(`--precision` for lincae, `--authors-precision` for theirs; fp32 by default, bf16 = autocast of the forward passes):

* train:  one full training step. Ours: front end -> encoder -> `consistency_loss` -> backward -> RAdam.
          Theirs: front end -> `UNet.forward(rep, teacher input, student input, sigma_t, sigma_s)` (encoder,
          latent upsampler, teacher (detached) and student denoiser) -> the same weighted pseudo-Huber
          loss -> backward -> RAdam.  Both draw sigmas and noise from identically seeded generators.
* decode: encoder + latent upsampler + one denoising step from sigma_max noise under `torch.no_grad()`,
          models in eval mode.  Ours: `model.decode_rep(model.encoder(rep))`; theirs:
          `encoder(rep)` + `forward_generator(z, noise * sigma_max, sigma_max)`.

Timed calls alternate ours/theirs in ABBA order (so a load spike from another process tends to hit both, and
neither always runs second) and the median of `--repeats` calls after `--warmup` calls is reported
(defaults: paper 3 after 1, tiny 5 after 2).  The JSON also keeps every time, the minima and the median of
the per-pair ratios, which are more robust than the ratio of medians when the CPU is shared.

The authors' package is installed for the benchmark only, never into the project, by bench/authors.py (shared with
notebook 08b and tests/test_released.py): when `import linear_cae` fails it runs `python -m pip install --no-deps
--target <repo>/.bench-deps linear-cae==0.1.4` and appends `.bench-deps` to `sys.path` (after the venv, so nothing
there can shadow torch/numpy); a stand-in `huggingface_hub` (it only refuses to download) lets the package import
where the real one is missing.

Exact command (from the repository root; about 2 min on 2 CPU cores):

    .venv/bin/python bench/compare_authors.py --configs paper tiny --batch-paper 2 --batch-tiny 8 --json bench/results/compare_authors_cpu.json

`--channels-last` and `--compile` apply to lincae's side only (its inputs and model in channels_last memory format;
`torch.compile` of its encoder and U-Net, compiled during two extra warm-up calls); `--flops` counts lincae's FLOPs
per call with `torch.utils.flop_counter` (on the eager model) and reports its achieved TFLOP/s. bench/gpu_run.py
uses all three on a GPU.

Add `--profile` to print torch.profiler tables (top ops by self time) of one call of each timed function;
`--device cuda` runs on a GPU (results default to bench/results/compare_authors_cuda.json).
"""
from __future__ import annotations

import argparse
import inspect
import math
import os
import shlex
import statistics
import sys
import time
from pathlib import Path

import torch

from lincae.consistency import karras_sigma, sample_noise_index
from lincae.model import CAE, CAEConfig, count_parameters

sys.path.insert(0, str(Path(__file__).resolve().parent))
from train_step import (DELTA, autocast, count_flops, environment, lincae_train_step, profile_table,  # noqa: E402
                        random_audio, sync, write_json, CROP_FRAMES)
from authors import AUTHORS_PACKAGE, BENCH_DEPS, authors_modules  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
WARMUP = {"paper": 1}          # everything else: 2
REPEATS = {"paper": 3}         # everything else: 5 (unless --repeats)


# ---------------------------------------------------------------------------------------------- authors' code
def authors_generator_module():
    "The authors' `generator` module (bench/authors.py installs `linear-cae` into `.bench-deps` first if needed)."
    authors = authors_modules(install=True, target=BENCH_DEPS)
    if authors is None: raise SystemExit(f"the authors' package {AUTHORS_PACKAGE} is not installed and could not be")
    gen = authors.generator
    version = next(iter(BENCH_DEPS.glob("linear_cae-*.dist-info")), None)
    print(f"authors' code: {Path(gen.__file__).parent.parent}" + (f" ({version.name})" if version else ""))
    return gen


def authors_kwargs(c: CAEConfig) -> dict:
    "Our configuration mapped onto the arguments of the authors' `UNet`."
    return dict(base_channels=c.base_channels, layers_list=[c.unet_blocks] * c.levels,
                multipliers_list=list(c.multipliers), attention_list=list(c.attention),
                freq_downsample_list=[int(f) for f in c.freq_only],
                layers_list_encoder=[c.encoder_blocks] * c.levels, attention_list_encoder=list(c.attention),
                bottleneck_base_channels=c.bottleneck_channels, bottleneck_channels=c.latent_channels,
                num_bottleneck_layers=c.bottleneck_blocks, hop=c.hop, cond_channels=c.cond_channels, heads=c.heads,
                sigma_min=c.sigma_min, sigma_max=c.sigma_max, sigma_data=c.sigma_data)


def build_authors(gen, name: str, c: CAEConfig):
    "The authors' `UNet` for configuration `name` (`paper`: their defaults with hop=512, checked against ours)."
    if name != "paper": return gen.UNet(**authors_kwargs(c))
    defaults = {k: v.default for k, v in inspect.signature(gen.UNet).parameters.items()} | {"hop": 512}
    mismatch = {k: (v, defaults[k]) for k, v in authors_kwargs(c).items()
                if (list(v) if isinstance(v, list) else v) != (list(defaults[k]) if isinstance(v, list) else defaults[k])}
    assert not mismatch, f"our paper preset differs from the authors' defaults (ours, theirs): {mismatch}"
    return gen.UNet(hop=512)


# ---------------------------------------------------------------------------------------------- timed functions
def authors_train_step(net, frontend, c: CAEConfig, audio, seed: int = 0, lr: float = 1e-4, precision: str = "fp32"):
    "One training step of the authors' network: their forward (in `precision`) + the same weighted pseudo-Huber loss + RAdam."
    opt = torch.optim.RAdam(net.parameters(), lr)
    gen = torch.Generator().manual_seed(seed)
    net.train()

    def step() -> float:
        rep = frontend.to_rep(audio)
        b, dev = rep.shape[0], rep.device
        idx = sample_noise_index(b, c, gen)                       # same draws as `consistency_loss`
        sigma_s, sigma_t = karras_sigma(idx, c), karras_sigma((idx - DELTA).clamp(min=0), c)
        weight = (1 / (sigma_s - sigma_t)).float().to(dev)
        sigma_s, sigma_t = sigma_s.float().to(dev), sigma_t.float().to(dev)
        noise = torch.randn(rep.shape, generator=gen).to(dev)
        with autocast(dev, precision):
            teacher, student = net(rep, rep + sigma_t.view(-1, 1, 1, 1) * noise,
                                   rep + sigma_s.view(-1, 1, 1, 1) * noise, sigma_t, sigma_s)
        teacher, student = teacher.float(), student.float()
        huber_c = 0.00054 * math.sqrt(student[0].numel())
        huber = ((student - teacher).flatten(1).pow(2).sum(1) + huber_c ** 2).sqrt() - huber_c
        loss = (weight * huber).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss.item()
    return step


def lincae_decode(model: CAE, rep, precision: str = "fp32", channels_last: bool = False):
    model.eval()
    if channels_last: rep = rep.contiguous(memory_format=torch.channels_last)

    def decode():
        with torch.no_grad(), autocast(rep.device, precision):
            return model.decode_rep(model.encoder(rep), steps=1, seed=0)
    return decode


def authors_decode(net, rep, sigma_max: float, precision: str = "fp32"):
    net.eval()

    def decode():
        with torch.no_grad(), autocast(rep.device, precision):
            z = net.encoder(rep)
            noise = torch.randn(rep.shape, generator=torch.Generator().manual_seed(0)).to(rep.device)
            return net.forward_generator(z, noise * sigma_max, sigma_max)
    return decode


def time_pair(ours, theirs, repeats: int, warmup: int, device) -> tuple[list[float], list[float]]:
    "Timed calls of `ours` and `theirs` in ABBA order (so neither always runs second), after `warmup` calls of each."
    for _ in range(warmup):
        ours(); theirs()
    sync(device)
    t_ours, t_theirs = [], []
    for i in range(repeats):
        pair = [(ours, t_ours), (theirs, t_theirs)]
        for fn, times in (pair if i % 2 == 0 else pair[::-1]):
            t0 = time.perf_counter()
            fn()
            sync(device)
            times.append(time.perf_counter() - t0)
    return t_ours, t_theirs


# ---------------------------------------------------------------------------------------------- main
def compare(gen, name: str, batch: int, repeats: int, warmup: int, device, profile: bool,
            precision: str = "fp32", authors_precision: str = "fp32", channels_last: bool = False,
            compile: bool = False, flops: bool = False) -> list[dict]:
    torch.manual_seed(0)
    model = CAE.from_preset(name).to(device)
    c = model.config
    torch.manual_seed(0)
    net = build_authors(gen, name, c).to(device)
    n_ours, n_theirs = count_parameters(model), count_parameters(net)
    print(f"\n== {name}: batch {batch}, {CROP_FRAMES} frames x {c.bins} bins | parameters: "
          f"lincae {n_ours:,}  authors {n_theirs:,}")
    assert n_ours == n_theirs, f"{name}: parameter counts differ (lincae {n_ours}, authors {n_theirs})"

    audio = random_audio(c, batch, device)
    rep = model.frontend.to_rep(audio)
    with torch.no_grad(): z_ours, z_theirs = model.encoder(rep), net.encoder(rep)
    assert z_ours.shape == z_theirs.shape, f"latent shapes differ: {z_ours.shape} vs {z_theirs.shape}"
    del z_ours, z_theirs

    if channels_last: model = model.to(memory_format=torch.channels_last)
    tasks = {"train": (lincae_train_step(model, audio, precision=precision, channels_last=channels_last),
                       authors_train_step(net, model.frontend, c, audio, precision=authors_precision)),
             "decode": (lincae_decode(model, rep, precision, channels_last),
                        authors_decode(net, rep, c.sigma_max, authors_precision))}
    counted = {}
    if flops:       # counted on the eager model, before any compilation
        for task, (ours, _) in tasks.items():
            model.train(task == "train"); counted[task] = count_flops(ours)
    if compile:     # the encoder and the U-Net, where the time goes; the first calls (warm-up) compile
        model.encoder, model.unet = torch.compile(model.encoder), torch.compile(model.unet)
    rows = []
    for task, (ours, theirs) in tasks.items():
        for module in (model, net): module.train(task == "train")     # decode in eval mode, as at inference
        t_ours, t_theirs = time_pair(ours, theirs, repeats, warmup + 2 * compile, device)
        m_ours, m_theirs = statistics.median(t_ours), statistics.median(t_theirs)
        row = dict(config=name, task=task, batch=batch, parameters=n_ours, warmup=warmup, repeats=repeats,
                   precision=precision, authors_precision=authors_precision, channels_last=channels_last,
                   compile=compile, flops=counted.get(task), tflops=counted[task] / m_ours / 1e12 if task in counted else None,
                   ours_s=m_ours, authors_s=m_theirs, ratio=m_ours / m_theirs,
                   ours_min_s=min(t_ours), authors_min_s=min(t_theirs),
                   pair_ratio_median=statistics.median(a / b for a, b in zip(t_ours, t_theirs)),
                   ours_times_s=t_ours, authors_times_s=t_theirs)
        rows.append(row)
        print(f"{task:>6}: lincae {m_ours:8.3f} s   authors {m_theirs:8.3f} s   ratio {row['ratio']:.3f} "
              f"(pairwise {row['pair_ratio_median']:.3f})   "
              f"(lincae {' '.join(f'{t:.3f}' for t in t_ours)} | authors {' '.join(f'{t:.3f}' for t in t_theirs)})"
              + (f"   lincae {row['tflops']:.2f} TFLOP/s" if row["tflops"] else ""))
        if profile:
            for who, fn in (("lincae", ours), ("authors", theirs)):
                print(f"\n-- profile {name} {task} {who} (one call, top ops by self time)\n")
                print(profile_table(fn, device))
    return rows


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--configs", nargs="+", default=["paper", "tiny"], choices=["paper", "tiny"])
    p.add_argument("--batch-paper", type=int, default=2)
    p.add_argument("--batch-tiny", type=int, default=8)
    p.add_argument("--repeats", type=int, default=None,
                   help="timed calls per measurement (default: 3 for paper, 5 for tiny; at least 3)")
    p.add_argument("--warmup", type=int, default=None,
                   help="untimed calls before timing (default: 1 for paper, 2 for tiny)")
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--device", default="cpu")
    p.add_argument("--profile", action="store_true", help="print profiler tables of each timed function")
    p.add_argument("--precision", default="fp32", choices=["fp32", "bf16"], help="lincae's forward passes (bf16: autocast)")
    p.add_argument("--authors-precision", default="fp32", choices=["fp32", "bf16"], help="the authors' forward passes")
    p.add_argument("--channels-last", action="store_true", help="lincae's model and inputs in channels_last memory format")
    p.add_argument("--compile", action="store_true", help="torch.compile lincae's encoder and U-Net (warm-up compiles)")
    p.add_argument("--flops", action="store_true", help="count lincae's FLOPs per call and report TFLOP/s")
    p.add_argument("--json", metavar="PATH", default=None,
                   help="results file (default bench/results/compare_authors_<device>.json)")
    a = p.parse_args(argv)
    if a.repeats is not None and a.repeats < 3: p.error("--repeats must be at least 3")
    device = torch.device(a.device)
    json_path = Path(a.json or ROOT / "bench" / "results" / f"compare_authors_{device.type}.json")

    torch.set_num_threads(a.threads)
    gen = authors_generator_module()
    env = environment(a.threads, device)
    print(f"torch {env['torch']}, {a.threads} threads, device {device}" + (f" ({env['gpu']})" if "gpu" in env else ""))

    rows = []
    for name in a.configs:
        batch = a.batch_paper if name == "paper" else a.batch_tiny
        repeats = a.repeats if a.repeats is not None else REPEATS.get(name, 5)
        warmup = a.warmup if a.warmup is not None else WARMUP.get(name, 2)
        rows += compare(gen, name, batch, repeats, warmup, device, a.profile, a.precision, a.authors_precision,
                        a.channels_last, a.compile, a.flops)

    print(f"\n{'config':<7}{'task':<8}{'batch':>6}{'ours (s)':>11}{'authors (s)':>13}{'ours/authors':>14}{'pairwise':>10}")
    for r in rows:
        print(f"{r['config']:<7}{r['task']:<8}{r['batch']:>6}{r['ours_s']:>11.3f}{r['authors_s']:>13.3f}"
              f"{r['ratio']:>14.3f}{r['pair_ratio_median']:>10.3f}")
    print("(ours/authors: ratio of the medians; pairwise: median of the per-pair ratios)")

    command = shlex.join([Path(sys.executable).relative_to(ROOT).as_posix() if Path(sys.executable).is_relative_to(ROOT)
                          else sys.executable, "bench/compare_authors.py", *(argv if argv is not None else sys.argv[1:])])
    write_json(json_path, dict(benchmark="compare_authors", authors_package="linear-cae==0.1.4",
                               command=command, results=rows, env=env))
    print(f"command: {command}")


if __name__ == "__main__":
    main()
