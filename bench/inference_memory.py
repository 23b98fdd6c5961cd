"""Peak memory of chunked inference (`lincae.inference.Autoencoder`) against input length.

Each case runs in a fresh Python subprocess, so peaks do not carry over: it builds a random-weight `tiny` model
(weights do not change memory or compute), makes its input (audio: a 10 s embedded song tiled to the length;
latents: random values of the right shape), records the peak resident set size so far (`baseline`), runs
`Autoencoder.encode` or `.decode` with the default chunking (10 s cores, 1 s overlap, batches: the default, one chunk on the CPU), and
records the peak again (`resource.getrusage(RUSAGE_SELF).ru_maxrss`). With chunking, the peak may grow with the
length only by the input, the latents and the output themselves (4 bytes per sample, 64 kB per second of
16 kHz audio); the two `whole` cases (one pass over 30 s, chunking off) show what a single pass costs instead.

Exact command (from the repository root; about 15 minutes on 2 busy CPU cores):

    .venv/bin/python bench/inference_memory.py --json bench/results/inference_memory_cpu.json

Options: --seconds 30 600 (input lengths), --threads N (torch threads; default: all cores), --device cpu.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def peak_rss_mb() -> float:
    "Peak resident set size of this process so far, in MB (ru_maxrss is in kB on Linux)."
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_case(operation: str, seconds: float, chunk_seconds: float | None, device: str, threads: int) -> dict:
    "Run one case in this process (called in the subprocess) and return its figures."
    import torch
    from lincae.model import CAE
    from lincae.data import synth_song
    from lincae.inference import Autoencoder
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    options = dict(chunk_seconds=chunk_seconds) if chunk_seconds else dict(chunk_seconds=1e9)
    ae = Autoencoder(CAE.from_preset("tiny").to(device), **options)
    sr = ae.sample_rate
    length = int(seconds * sr)
    if operation == "encode":
        song = synth_song(0, 10.0, sr)["mixture"]
        data = song.repeat(length // len(song) + 1)[:length].contiguous()
        del song
    else:
        data = torch.tanh(torch.randn(ae.latent_channels, ae.latent_frames(length)))
    input_mb = data.numel() * data.element_size() / 2 ** 20
    baseline = peak_rss_mb()
    t0 = time.perf_counter()
    out = ae.encode(data, sr) if operation == "encode" else ae.decode(data, length, seed=0)
    wall = time.perf_counter() - t0
    return dict(operation=operation, seconds=seconds, chunk_seconds=chunk_seconds, samples=length,
                input_shape=list(data.shape), output_shape=list(out.shape), input_mb=round(input_mb, 2),
                output_mb=round(out.numel() * out.element_size() / 2 ** 20, 2),
                baseline_peak_rss_mb=round(baseline, 1), peak_rss_mb=round(peak_rss_mb(), 1),
                growth_mb=round(peak_rss_mb() - baseline, 1), wall_s=round(wall, 1))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seconds", type=float, nargs="+", default=[30.0, 600.0])
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--device", default="cpu")
    p.add_argument("--json", type=Path, default=None)
    p.add_argument("--case", default=None, help=argparse.SUPPRESS)   # internal: run one case, print its JSON
    args = p.parse_args(argv)
    if args.case:
        op, seconds, chunk = args.case.split(":")
        print(json.dumps(run_case(op, float(seconds), float(chunk) if chunk != "whole" else None, args.device, args.threads)))
        return
    cases = [(op, s, "10") for op in ("encode", "decode") for s in args.seconds] + \
            [(op, min(args.seconds), "whole") for op in ("encode", "decode")]
    results = []
    for op, seconds, chunk in cases:
        cmd = [sys.executable, __file__, "--case", f"{op}:{seconds}:{chunk}", "--threads", str(args.threads), "--device", args.device]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0: sys.exit(f"case {op} {seconds} s ({chunk}) failed:\n{done.stderr[-3000:]}")
        r = json.loads(done.stdout.strip().splitlines()[-1])
        results.append(r)
        print(f"{op:6s} {seconds:6.0f} s  chunks {chunk:>5s}: peak RSS {r['peak_rss_mb']:7.1f} MB "
              f"(before the call {r['baseline_peak_rss_mb']:6.1f} MB, growth {r['growth_mb']:6.1f} MB; "
              f"input {r['input_mb']:.1f} MB, output {r['output_mb']:.1f} MB) in {r['wall_s']:.0f} s", flush=True)
    if args.json:
        import torch
        report = dict(benchmark="inference_memory", preset="tiny", device=args.device, threads=args.threads,
                      torch=torch.__version__, python=platform.python_version(), machine=platform.machine(),
                      cpus=os.cpu_count(), defaults=dict(chunk_seconds=10.0, overlap_seconds=1.0, batch_size="auto (1 on cpu, 4 on cuda)"),
                      command=" ".join([Path(sys.executable).name, *sys.argv]), cases=results)
        args.json.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=args.json.parent, suffix=".tmp")
        with os.fdopen(fd, "w") as f: json.dump(report, f, indent=1)
        os.replace(tmp, args.json)
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
