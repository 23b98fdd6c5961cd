"""Where a checkpoint's one-step decodes go wrong: magnitude or phase.

On the issue's fixed set (`synth_song(10_000 + i, 3.0, 16000)`, i < 6; 1 step, seed 0, EMA weights) the decoded
representation is recombined with the truth's in the compressed complex-STFT domain and each hybrid is turned back
into audio and scored (mel / MR-STFT distance, `lincae.metrics`):

* decoded            — the decode as it is
* decoded magnitude + true phase   — how good the decoder's magnitudes are
* true magnitude + decoded phase   — how good its phases are
* true magnitude + random phase    — the reference for "no phase information" (RECIPE §7: mel 0.66 / MR-STFT 1.53)

It also prints the waveform RMS of the decode over the truth's, and the mean representation magnitude of the decode
over the truth's (a phase-incoherent STFT loses level in the overlap-add even when its magnitudes are right).

    .venv/bin/python bench/decode_diagnosis.py data/checkpoints/tiny-lin-cae.ckpt data/checkpoints/tiny-m2l.ckpt
"""
import json
import sys

import torch

from lincae.data import synth_song
from lincae.metrics import mel_distance, mr_stft_distance
from lincae.model import CAE


def recombine(magnitude_from: torch.Tensor, phase_from: torch.Tensor) -> torch.Tensor:
    "A representation `[B, 2, bins, frames]` with the magnitudes of one and the phases of the other."
    mag = torch.complex(magnitude_from[:, 0], magnitude_from[:, 1]).abs()
    phase = torch.angle(torch.complex(phase_from[:, 0], phase_from[:, 1]))
    z = mag * torch.exp(1j * phase)
    return torch.stack([z.real, z.imag], 1)


def diagnose(path: str, songs: torch.Tensor) -> dict:
    model = CAE.load(path).eval()
    fe, length = model.frontend, songs.shape[-1]
    with torch.no_grad():
        decoded = model.decode_rep(model.encode(songs), steps=1, seed=0)
        truth = fe.to_rep(fe.pad(songs))[..., :decoded.shape[-1]]
    noise = torch.randn(truth.shape, generator=torch.Generator().manual_seed(0))
    hybrids = {"decoded": decoded, "decoded magnitude + true phase": recombine(decoded, truth),
               "true magnitude + decoded phase": recombine(truth, decoded),
               "true magnitude + random phase": recombine(truth, noise)}
    out = dict(checkpoint=path)
    for name, rep in hybrids.items():
        audio = fe.decode_audio(rep, length)
        out[name] = dict(mel=round(mel_distance(audio, songs, model.config.sample_rate).mean().item(), 3),
                         mr_stft=round(mr_stft_distance(audio, songs).mean().item(), 3))
    audio = fe.decode_audio(decoded, length)
    out["rms_ratio"] = round((audio.pow(2).mean(-1).sqrt() / songs.pow(2).mean(-1).sqrt()).mean().item(), 3)
    mag = lambda r: torch.complex(r[:, 0], r[:, 1]).abs().mean()
    out["rep_magnitude_ratio"] = round((mag(decoded) / mag(truth)).item(), 3)
    return out


if __name__ == "__main__":
    songs = torch.stack([synth_song(10_000 + i, 3.0, 16000)["mixture"] for i in range(6)])
    for path in sys.argv[1:]: print(json.dumps(diagnose(path, songs)))
