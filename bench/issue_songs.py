"""Score checkpoints on the issue's fixed held-out set: `synth_song(10_000 + i, 3.0, 16000)["mixture"]`, i < 6,
decodes with noise seed 0 and EMA weights, `lincae.metrics` mel / MR-STFT distance and SI-SDR (means); one line of
JSON per checkpoint and number of decoding steps (`--steps 1,2,4`; default 1, the issue's floors). `--weights ema,model`
also scores the raw (non-averaged) weights of training checkpoints.

    .venv/bin/python bench/issue_songs.py data/checkpoints/tiny-lin-cae.ckpt runs/compare/m2l/last.ckpt
    .venv/bin/python bench/issue_songs.py --steps 1,2,4 data/checkpoints/tiny-*.ckpt
    .venv/bin/python bench/issue_songs.py --weights ema,model runs/train-tiny/last.ckpt
"""
import argparse, json
import torch
from lincae.data import synth_song
from lincae.model import CAE
from lincae.evaluate import score_reconstruction

if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("checkpoints", nargs="+")
    p.add_argument("--steps", default="1", help="decoding steps, comma separated (default 1)")
    p.add_argument("--weights", default="ema", help="'ema' and/or 'model', comma separated (default ema)")
    a = p.parse_args()
    songs = torch.stack([synth_song(10_000 + i, 3.0, 16000)["mixture"] for i in range(6)])
    for path in a.checkpoints:
        for weights in a.weights.split(","):
            model = CAE.load(path, weights=weights)
            for steps in (int(s) for s in a.steps.split(",")):
                scores = score_reconstruction(model, songs, steps=steps, seed=0)
                print(json.dumps(dict(checkpoint=path, weights=weights, steps=steps,
                                      **{k: round(sum(scores[k]) / len(scores[k]), 3)
                                         for k in ("mel", "mr_stft", "si_sdr")})), flush=True)
