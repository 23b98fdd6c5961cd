"""Where a checkpoint's MR-STFT distance comes from: which bins, too loud or too quiet.

On the issue's fixed set (`synth_song(10_000 + i, 3.0, 16000)`, i < 6; 1-step decodes, noise seed 0, EMA weights),
for each of the authors' three STFT resolutions (`lincae.metrics.AUTHOR_RESOLUTIONS`) it prints the two halves of
`mr_stft_distance`: the spectral convergence (dominated by the loud bins) and the log-magnitude L1, the latter split
by the level of the reference bin (dB below the loudest bin of its song): each band's share of the bins, its
contribution to the L1 and its mean log(reference / decode) (> 0: the decode is too quiet there, < 0: too loud).

It also checks whether the decoded representation is a consistent STFT: the energy its own re-analysis keeps
(inverse STFT, then STFT again with the network's frontend; 1.0 for a consistent one), beside the truth's energy over
the decode's.

    .venv/bin/python bench/score_by_level.py data/checkpoints/tiny-lin-cae.ckpt
"""
import argparse, json
import torch
from lincae.data import synth_song
from lincae.metrics import AUTHOR_RESOLUTIONS, STFTResolution, stft_distance, stft_magnitude, mr_stft_distance
from lincae.model import CAE

BANDS_DB = ((-1e9, -100), (-100, -80), (-80, -60), (-60, -40), (-40, -20), (-20, 1))


def by_level(decoded: torch.Tensor, truth: torch.Tensor, res: STFTResolution, eps: float = 1e-7) -> dict:
    "Spectral convergence, log-magnitude L1 and its split by the reference's level, at one resolution (as lincae.metrics)."
    est, ref = stft_magnitude(decoded, res, eps), stft_magnitude(truth, res, eps)
    log_ratio = ref.log() - est.log()
    convergence = (stft_distance(decoded, truth, res, eps) - log_ratio.abs().flatten(1).mean(1)).mean().item()
    level = 20 * (ref / ref.flatten(1).amax(1).view(-1, *[1] * (ref.ndim - 1))).log10()
    bands = []
    for lo, hi in BANDS_DB:
        inside = (level >= lo) & (level < hi)
        bands.append(dict(db=[lo if lo > -1e9 else None, hi], share=round(inside.float().mean().item(), 3),
                          contribution=round((log_ratio.abs() * inside).sum().item() / log_ratio.numel(), 3),
                          mean_log_ratio=round(log_ratio[inside].mean().item(), 2) if inside.any() else None))
    return dict(resolution=[res.n_fft, res.hop, res.window], spectral_convergence=round(convergence, 3),
                log_magnitude=round(log_ratio.abs().mean().item(), 3), bands=bands)


def consistency(model: CAE, rep: torch.Tensor, truth_rep: torch.Tensor) -> dict:
    "Energy of the decoded STFT kept by its own re-analysis, and the truth's energy over the decode's (edges trimmed)."
    fe = model.frontend
    again = fe.to_rep(fe.to_wave(rep, clamp=False))
    frames = min(rep.shape[-1], again.shape[-1], truth_rep.shape[-1])
    energy = lambda r: (torch.hypot(r[:, 0], r[:, 1])[..., 3:frames - 3] / fe.beta).pow(2 / fe.alpha).sum().item()
    return dict(kept_by_reanalysis=round(energy(again) / energy(rep), 3),
                truth_over_decode=round(energy(truth_rep) / energy(rep), 3))


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("checkpoints", nargs="+")
    a = p.parse_args()
    songs = torch.stack([synth_song(10_000 + i, 3.0, 16000)["mixture"] for i in range(6)])
    for path in a.checkpoints:
        model = CAE.load(path).eval()
        with torch.no_grad():
            rep = model.decode_rep(model.encode(songs), 1, seed=0)
            decoded = model.frontend.decode_audio(rep, songs.shape[-1])
            truth_rep = model.frontend.encode_audio(songs)
            rows = [by_level(decoded, songs, r) for r in AUTHOR_RESOLUTIONS]
            total = round(mr_stft_distance(decoded, songs).mean().item(), 3)      # the mean of the rows' two halves
            print(json.dumps(dict(checkpoint=path, mr_stft=total, resolutions=rows, stft=consistency(model, rep, truth_rep))))
