"""How much an error of one size in the representation costs in the waveform metrics, per frontend compression α.

The consistency loss is a distance in the representation (β·|X|^α·e^{i∠X}), the scores are log-spectral distances of
waveforms (mel, MR-STFT). This adds white Gaussian noise of a fixed fraction of the representation's std to the
representations of the trainer's held-out songs (`lincae.train.validation_audio`, tiny frontend, 16 kHz), decodes,
and scores against the clean songs: a lower α spreads the same error more evenly over loud and quiet bins, which the
log-spectral metrics reward. β is set per α so that the representation's std stays that of the tiny preset (0.205 on
the embedded songs): what `bench/loss_pilots.py --model-overrides '{"alpha": A, "beta": B}'` trained with.

    .venv/bin/python bench/frontend_sensitivity.py --json bench/results/frontend_sensitivity.json
"""
import argparse, json
import torch
from lincae.model import CAEConfig
from lincae.train import validation_audio
from lincae.metrics import mel_distance, mr_stft_distance

COMPRESSIONS = [(0.65, 0.34), (0.5, 0.408), (0.4, 0.431)]   # (α, β): the tiny preset's, then equal-std alternatives
ERRORS = [0.05, 0.1, 0.2]                                     # noise std as a fraction of the representation's std


def scores_after_rep_error(alpha: float, beta: float, relative: float, audio: torch.Tensor, seed: int = 1) -> dict:
    "Mel and MR-STFT distance of `audio` decoded from its representation plus white noise of `relative` × its std."
    fe = CAEConfig.preset("tiny", alpha=alpha, beta=beta).frontend()
    rep = fe.encode_audio(audio)
    noise = torch.randn(rep.shape, generator=torch.Generator().manual_seed(seed))
    decoded = fe.decode_audio(rep + relative * rep.std() * noise, audio.shape[-1])
    return dict(alpha=alpha, beta=beta, relative_error=relative, rep_std=round(rep.std().item(), 4),
                mel=round(mel_distance(decoded, audio, 16000).mean().item(), 4),
                mr_stft=round(mr_stft_distance(decoded, audio).mean().item(), 4))


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--json", default=None)
    a = p.parse_args()
    audio = validation_audio(16000, 6)
    rows = [scores_after_rep_error(al, be, r, audio) for al, be in COMPRESSIONS for r in ERRORS]
    for r in rows: print(json.dumps(r))
    if a.json:
        out = dict(command="bench/frontend_sensitivity.py --json " + a.json, rows=rows)
        with open(a.json, "w") as f: json.dump(out, f, indent=1, ensure_ascii=False); f.write("\n")
