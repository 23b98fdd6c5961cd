"""Pilots of two changes to the training loss that the study notebook (03a) does not cover. Neither is a lincae
recipe: the script swaps them into `lincae.train` for one run, so that the rest (data, schedule, validation on
held-out songs every 100 steps, log.jsonl) is the trainer's own.

* `--magnitude-weight λ`: add λ · mean |log(|s| + ε) − log(|x| + ε)| (ε = 1e-3) between the student's output s and
  the clean target x, as complex magnitudes of the representation. A phase-blind, direct signal for the magnitudes,
  which `bench/decode_diagnosis.py` says are what the decodes get wrong (their phases are fine).
* `--sigma-max-share q`: put every (1/q)-th item of each batch at noise index 1 (σ_max), where the one-step decoder
  lives (the idea of truncated consistency training, without its second stage).

    .venv/bin/python bench/loss_pilots.py --steps 400 --magnitude-weight 10 --out runs/pilot/lam10
    .venv/bin/python bench/loss_pilots.py --steps 1000 --paper-noise --magnitude-weight 30 --out runs/pilot/p30

Prints one JSON line per held-out validation (step, mel, MR-STFT, SI-SDR, training seconds).
"""
import argparse, json
import torch
import lincae.consistency
import lincae.train
from lincae.consistency import consistency_loss, delta_schedule, sample_noise_index

EPS = 1e-3


def magnitude(rep: torch.Tensor) -> torch.Tensor:
    "Complex magnitude `[B, bins, frames]` of a representation `[B, 2, bins, frames]`."
    return (rep[:, 0].float() ** 2 + rep[:, 1].float() ** 2 + 1e-12).sqrt()


def log_magnitude_l1(estimate: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    "Mean L1 distance of the log magnitudes of two representations."
    return ((magnitude(estimate) + EPS).log() - (magnitude(target) + EPS).log()).abs().mean()


def pilot_loss(weight: float):
    "The trainer's `training_loss` plus `weight` × the log-magnitude distance of the student to the clean target."
    def training_loss(model, audio, step, cfg, gen):
        batch = lincae.train.training_batch(model, audio, step, cfg, gen)
        delta = delta_schedule(step, cfg.steps, start_exp=cfg.delta_start_exp, end_exp=cfg.delta_end_exp)
        loss, info = consistency_loss(model, batch.target, batch.z, delta, gen,
                                      noise_distribution=cfg.noise_distribution)
        return loss + weight * log_magnitude_l1(info["student"], batch.target) if weight else loss
    return training_loss


def noise_index_with_share(share: float):
    "The trainer's noise-index sampler with every (1/share)-th item moved to index 1 (σ_max)."
    def sample(n, c, generator=None, **kw):
        idx = sample_noise_index(n, c, generator, **kw)
        return torch.where(torch.arange(n) % round(1 / share) == 0, torch.ones_like(idx), idx)
    return sample


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--steps", type=int, default=400)
    p.add_argument("--magnitude-weight", type=float, default=0.0)
    p.add_argument("--sigma-max-share", type=float, default=0.0)
    p.add_argument("--paper-noise", action="store_true", help="log-normal noise levels and σ_max 80 (the shipped recipe)")
    p.add_argument("--out", required=True)
    a = p.parse_args()
    lincae.train.training_loss = pilot_loss(a.magnitude_weight)
    if a.sigma_max_share: lincae.consistency.sample_noise_index = noise_index_with_share(a.sigma_max_share)
    extra = dict(noise_distribution="lognormal", model_overrides={"sigma_max": 80.0}) if a.paper_noise else {}
    run = lincae.train.train(lincae.train.TrainConfig(steps=a.steps, out_dir=a.out, validate_every=100,
                                                      checkpoint_every=100, **extra))
    for r in lincae.train.read_log(run):
        if "val_mel" in r: print(json.dumps({k: round(v, 3) for k, v in r.items()}))
