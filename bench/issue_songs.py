"""Score checkpoints on the issue's fixed held-out set: `synth_song(10_000 + i, 3.0, 16000)["mixture"]`, i < 6,
1-step decodes with noise seed 0 and EMA weights, `lincae.metrics` mel / MR-STFT distance and SI-SDR (means).

    .venv/bin/python bench/issue_songs.py data/checkpoints/tiny-lin-cae.ckpt runs/compare/m2l/last.ckpt
"""
import json, sys
import torch
from lincae.data import synth_song
from lincae.model import CAE
from lincae.evaluate import score_reconstruction

songs = torch.stack([synth_song(10_000 + i, 3.0, 16000)["mixture"] for i in range(6)])
for path in sys.argv[1:]:
    scores = score_reconstruction(CAE.load(path), songs, steps=1, seed=0)
    print(json.dumps(dict(checkpoint=path, **{k: round(sum(scores[k]) / len(scores[k]), 3) for k in ("mel", "mr_stft", "si_sdr")})))
