"""Score checkpoints on the issue's fixed held-out set: `synth_song(10_000 + i, 3.0, 16000)["mixture"]`, i < 6,
1-step decodes with noise seed 0 and EMA weights, `lincae.metrics` mel / MR-STFT distance and SI-SDR (means).

    .venv/bin/python bench/issue_songs.py data/checkpoints/tiny-lin-cae.ckpt runs/compare/m2l/last.ckpt
"""
import json, sys
import torch
from lincae.data import synth_song
from lincae.model import CAE
from lincae.metrics import mel_distance, mr_stft_distance, si_sdr

songs = torch.stack([synth_song(10_000 + i, 3.0, 16000)["mixture"] for i in range(6)])
for path in sys.argv[1:]:
    model = CAE.load(path)
    with torch.no_grad(): y = model.decode(model.encode(songs), songs.shape[-1], steps=1, seed=0)
    print(json.dumps(dict(checkpoint=path, mel=round(mel_distance(y, songs, 16000).mean().item(), 3),
                          mr_stft=round(mr_stft_distance(y, songs).mean().item(), 3), si_sdr=round(si_sdr(y, songs).mean().item(), 1))))
