"""Score checkpoints on the issue's fixed held-out set: `synth_song(10_000 + i, 3.0, 16000)["mixture"]`, i < 6,
decodes with noise seed 0 and EMA weights, `lincae.metrics` mel / MR-STFT distance and SI-SDR (means); one line of
JSON per checkpoint and number of decoding steps (`--steps 1,2,4`; default 1, the issue's floors). `--weights ema,model`
also scores the raw (non-averaged) weights of training checkpoints. `--songs sampled` scores the same seeds played by
recorded instruments instead (`lincae.sampled.sampled_song`: timbres the embedded training songs never have), with
`--soundfont` another soundfont than pretty_midi's (e.g. Debian's /usr/share/sounds/sf2/FluidR3_GM.sf2).

    .venv/bin/python bench/issue_songs.py data/checkpoints/tiny-lin-cae.ckpt runs/compare/m2l/last.ckpt
    .venv/bin/python bench/issue_songs.py --steps 1,2,4 data/checkpoints/tiny-*.ckpt
    .venv/bin/python bench/issue_songs.py --weights ema,model runs/train-tiny/last.ckpt
    .venv/bin/python bench/issue_songs.py --songs sampled data/checkpoints/tiny-*.ckpt
    .venv/bin/python bench/issue_songs.py --songs sampled --references     (the issue's calibration ladder, this set)
    .venv/bin/python bench/issue_songs.py --songs sampled --soundfont /usr/share/sounds/sf2/FluidR3_GM.sf2 data/checkpoints/tiny-*.ckpt
"""
import argparse, json, sys
from pathlib import Path
import torch
from lincae.metrics import mel_distance, mr_stft_distance, si_sdr
from lincae.model import CAEConfig
from lincae.data import synth_song
from lincae.sampled import sampled_song
from lincae.model import CAE
from lincae.evaluate import score_reconstruction, write_text_atomic

def issue_set(kind: str = "synth", soundfont=None, part: str = "mixture") -> torch.Tensor:
    """The issue's six held-out seeds × 3 s at 16 kHz `[6, T]`: 'synth' (procedural) or 'sampled' (played by
    `soundfont`); `part`: the mixture or one stem."""
    play = (lambda s: synth_song(s, 3.0, 16000)) if kind == "synth" else (lambda s: sampled_song(s, 3.0, 16000, soundfont))
    return torch.stack([play(10_000 + i)[part] for i in range(6)])

def save_rows(path, rows: list, **meta):
    "Write `rows` with the command that made them (and `meta`) to the JSON file `path`, atomically."
    record = dict(command=" ".join(["python", *sys.argv]), **meta, rows=rows)
    write_text_atomic(Path(path), json.dumps(record, indent=1) + "\n")

def references(songs: torch.Tensor) -> dict:
    "The issue's calibration ladder for `songs` [B, T] (16 kHz): distorted copies, by name."
    g = torch.Generator().manual_seed(0)
    noise = torch.randn(songs.shape, generator=g)
    noise = noise * songs.pow(2).mean(-1, keepdim=True).sqrt() / noise.pow(2).mean(-1, keepdim=True).sqrt()
    out = {f"input + white noise at {db} dB SNR": songs + noise * 10 ** (-db / 20) for db in (30, 20, 10)}
    fe = CAEConfig.preset("tiny").frontend()
    rep = fe.to_rep(fe.pad(songs))
    rand = torch.randn(rep.shape, generator=g)                        # i.i.d. phases, frame by frame
    spec, spec_rand = torch.complex(rep[:, 0], rep[:, 1]), torch.complex(rand[:, 0], rand[:, 1])
    mixed = spec.abs() * torch.exp(1j * spec_rand.angle())
    out["true magnitude, random phase"] = fe.decode_audio(torch.stack([mixed.real, mixed.imag], 1), songs.shape[-1])
    out["white noise at the input's RMS"] = noise
    return out


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("checkpoints", nargs="*")
    p.add_argument("--references", action="store_true",
                   help="also score the issue's reference distortions of these songs (white noise at 30/20/10 dB SNR and "
                        "at the input's RMS, the true magnitude with random phase)")
    p.add_argument("--steps", default="1", help="decoding steps, comma separated (default 1)")
    p.add_argument("--weights", default="ema", help="'ema' and/or 'model', comma separated (default ema)")
    p.add_argument("--songs", default="synth", choices=["synth", "sampled"],
                   help="synth: the issue's procedural songs (default); sampled: the same seeds, recorded instruments")
    p.add_argument("--soundfont", default=None, help="with --songs sampled: the .sf2 to play them (default: pretty_midi's)")
    a = p.parse_args()
    if a.soundfont and a.songs != "sampled": p.error("--soundfont needs --songs sampled")
    songs = issue_set(a.songs, a.soundfont)
    label = a.songs if not a.soundfont else f"sampled ({Path(a.soundfont).name})"
    if a.references:
        for name, audio in references(songs).items():
            print(json.dumps(dict(reference=name, songs=label, mel=round(mel_distance(audio, songs, 16000).mean().item(), 3),
                                  mr_stft=round(mr_stft_distance(audio, songs).mean().item(), 3),
                                  si_sdr=round(si_sdr(audio, songs).mean().item(), 3))), flush=True)
    for path in a.checkpoints:
        for weights in a.weights.split(","):
            model = CAE.load(path, weights=weights)
            for steps in (int(s) for s in a.steps.split(",")):
                scores = score_reconstruction(model, songs, steps=steps, seed=0)
                print(json.dumps(dict(checkpoint=path, songs=label, weights=weights, steps=steps,
                                      **{k: round(sum(scores[k]) / len(scores[k]), 3)
                                         for k in ("mel", "mr_stft", "si_sdr")})), flush=True)
