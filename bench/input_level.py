"""How well checkpoints reconstruct quiet and loud input: Dec(Enc(a·x)) scored against a·x for input gains a, on the
issue's six held-out seeds (`issue_songs.py`'s set: 3 s, 16 kHz, 1-step decodes, noise seed 0, EMA weights), played by
the procedural synthesisers, by pretty_midi's soundfont and by `--soundfont` (e.g. Debian's FluidR3_GM, which no
shipped model heard). The gap at a gain is the distance there minus the distance at a = 1 (0: the level does not
matter). `mel`: the volume knob *before* the encoder, what a user does with a quiet recording; `latent_mel`:
Dec(a·Enc x) against a·x, the knob on the latent (05_evaluate's homogeneity rows, here at the same gains).
`lincae.metrics`' mel distance clamps mel magnitudes at 1e-5, which flatters quiet input, so a positive gap there
understates the loss.

    .venv/bin/python bench/input_level.py data/checkpoints/tiny-*.ckpt \
        --soundfont /usr/share/sounds/sf2/FluidR3_GM.sf2 --out bench/results/input_level.json
"""
import argparse, json
from pathlib import Path
import torch
from lincae.model import CAE
from lincae.evaluate import homogeneity, score_reconstruction
from issue_songs import issue_set, save_rows     # (this folder is on the path when the script runs)

GAINS = (0.05, 0.1, 0.25, 0.5, 1.0, 1.1)

@torch.no_grad()
def level_scores(model, songs: torch.Tensor, gains=GAINS, steps: int = 1) -> list[dict]:
    """Per gain a: mean mel / MR-STFT distance of Dec(Enc(a·x)) to a·x (the knob before the encoder) and its gap to
    a = 1; beside it the same for Dec(a·Enc x) (the knob on the latent: `lincae.evaluate.homogeneity`'s gaps)."""
    if 1.0 not in gains: raise ValueError("the gains must include 1.0, the level the gaps are measured from")
    if songs.abs().max() * max(gains) > 1: raise ValueError("a gain would clip the songs: lower the largest gain")
    mean = lambda v: sum(v) / len(v)
    latent = homogeneity(model, songs, gains, steps, seed=0)
    scaled = [score_reconstruction(model, songs * a, steps=steps, seed=0) for a in gains]
    unit = scaled[gains.index(1.0)]
    rows = []
    for i, (a, s) in enumerate(zip(gains, scaled)):
        row = dict(gain=a)
        for k in ("mel", "mr_stft"):
            latent_gap = latent[f"{k}_gap_truth"][i].mean().item()
            row.update({k: round(mean(s[k]), 3), f"{k}_gap": round(mean(s[k]) - mean(unit[k]), 3),
                        f"latent_{k}": round(mean(unit[k]) + latent_gap, 3), f"latent_{k}_gap": round(latent_gap, 3)})
        rows.append(row)
    return rows

if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("checkpoints", nargs="+")
    p.add_argument("--soundfont", default=None, help="a further .sf2 playing the seeds (e.g. FluidR3_GM.sf2)")
    p.add_argument("--out", default=None, help="also write every row, with this command, to this JSON file")
    a = p.parse_args()
    sets = {"synth": issue_set("synth"), "sampled": issue_set("sampled")}
    if a.soundfont: sets[f"sampled ({Path(a.soundfont).name})"] = issue_set("sampled", a.soundfont)
    out = []
    for path in a.checkpoints:
        model = CAE.load(path)
        for name, songs in sets.items():
            for row in level_scores(model, songs):
                out.append(dict(checkpoint=path, songs=name, **row))
                print(json.dumps(out[-1]), flush=True)
    if a.out: save_rows(a.out, out, gains=GAINS)
