"""Pilots of changes to the training recipe beyond the study notebook (03a), run through the trainer itself (data,
schedule, validation on held-out songs every 100 steps, log.jsonl); results in bench/results/loss_pilots.json.

* `--magnitude-weight λ`: `TrainConfig.magnitude_weight`, i.e. λ × `lincae.consistency.log_magnitude_distance`
  between the student's output and the clean target added to the consistency loss: a phase-blind, direct signal
  for the magnitudes, which `bench/decode_diagnosis.py` says are what the decodes get wrong (their phases are fine).
* `--sigma-max-share q`: put every (1/q)-th item of each batch at noise index 1 (σ_max), where the one-step decoder
  lives (the idea of truncated consistency training, without its second stage). Not a lincae option: this script
  swaps lincae's noise-index sampler for the run.
* `--sigma-max S`: the network's σ_max (the tiny preset's is 10; `--paper-noise` sets 80 with log-normal levels).
* `--optimizer adam --beta2 B`: Adam (β = 0.9, B) in place of the trainer's RAdam. RAdam's rectification holds its
  step to 0.2–0.4 of the learning rate through the first few hundred steps (β2 0.999), which is the whole of a short
  run. Not a lincae option: this script swaps the optimizer class for the run.
* `--model-overrides JSON`: fields of the tiny network's `CAEConfig`, e.g. the frontend's compression
  `'{"alpha": 0.5, "beta": 0.408}'`.
* `--magnitude-fade N`: the magnitude weight falls linearly from λ to 0 over the first N steps (a test of whether
  the term's early speed can be kept without its late harm). Not a lincae option either: this script wraps the
  trainer's `training_loss` for the run.
* `--spectral-weight λ`: λ × a multi-resolution spectral distance (spectral convergence + log-magnitude L1 at STFTs
  of 256/64 and 1024/256, not the network's own 512/128) between the waveforms of the student's output and the clean
  target: unlike the magnitude term it sees phase, through the overlap of frames. Not a lincae option: this script
  wraps the trainer's loss for the run.
* `--magnitude-floor E` (also spelled `--magnitude-eps`): `TrainConfig.magnitude_floor`, the magnitude term's floor
  inside the logarithm, on the compressed representation. A larger floor hides the quiet bins from the term, so it
  weighs the loud ones, which the one-step decodes make too quiet; a smaller one asks quiet bins and silence to be
  quiet. Default: lincae's 1e-3.
* `--loss-weighting-power P`: the consistency loss's weight per item, λ = 1/(σ_i − σ_{i−Δ}) in the paper (it
  makes the smallest noise levels weigh the most), replaced by λ^P, then scaled so that each batch's weights have the
  paper's mean: the same total weight, moved towards the high noise levels (P < 1: P = 0 is uniform, 0.5 is √λ) or
  further towards the low ones (P > 1). Not a lincae option: this script reweighs the per-item distances of lincae's
  own `consistency_loss`.
* `--decay-share S`: a warm-up-stable-decay learning rate in place of the cosine: the peak learning rate held until
  the last share S of the run, then a straight line down to `lr_min` (short runs often end better on it). Not a lincae
  option: this script swaps the trainer's `learning_rate` for the run.
* `--radam-beta2 B`: RAdam with β2 = B (lincae's 0.999): its rectification, which holds the step well below the
  learning rate through a short run, ends sooner with a smaller β2. Not a lincae option either.
* `--bf16-stream`: under bf16 autocast, every residual block casts its input to bf16, so the residual stream stays in
  bf16 instead of turning float32 at each `h + skip(x)` (fewer casts, and the first GroupNorm of each block runs in
  bf16, where CPU GroupNorm is far faster). A speed change: run it beside the same recipe without it to compare time
  and quality. Not a lincae option: this script wraps `lincae.model.ResBlock.forward`.
* `--encoder-magnitude`: the encoder's first convolution takes a third channel, the magnitude of each bin of the
  compressed representation, beside its real and imaginary parts. The latent has to carry the spectral envelope, and
  from real and imaginary parts alone the encoder must first learn a magnitude (a nonlinearity convolutions learn
  slowly). Not a lincae option: this script swaps `lincae.model.Encoder`'s input convolution for the run.
* `--grad-clip C`: `TrainConfig.grad_clip`, the global gradient norm clipped to (lincae's 1.0). A step's gradient norm
  is 20–1000 in these runs, so at 1.0 every step is clipped and RAdam sees unit-norm gradients; a large C lets the
  steps with large gradients (the lowest noise levels, whose weight 1/Δσ is largest) weigh more in its moments.
* `--adaptive-norm`: every residual block of the U-Net takes the noise level as a scale and a shift of its second
  GroupNorm's output (ADM's adaptive GroupNorm) instead of as a bias added after its first convolution. Not a lincae
  option: this script swaps `lincae.model.ResBlock`'s noise projection and forward for the run.
* `--frequency-coordinates`: the first convolutions of the encoder and the U-Net also read each bin's position on
  the frequency axis (−1 … 1), which convolutions alone cannot see (CoordConv). Not a lincae option either.
* `--huber-c-factor F`: `TrainConfig.huber_c_factor`, the pseudo-Huber constant c = F·√d of the consistency loss
  (default: lincae's, the paper's F = 0.00054, c ≈ 0.1 for the tiny representation). The student–teacher distances
  of `make train`'s batches are 0.4–13 (median 1.4–2.3), far above 0.1, so the paper's loss is the plain distance
  and every item pushes with the same force whatever its size; a c near the median (F = 0.01: c ≈ 1.8) makes the
  small distances quadratic (they push less).
* `--mel-weighted-magnitude`: the magnitude term weighs each bin by the mel scale's density at its frequency,
  1/(700 Hz + f), mean 1 (three quarters of the tiny network's bins lie above 2 kHz, where the mel scale spends few
  bands). Not a lincae option: this script swaps the trainer's `log_magnitude_distance` for the run.
* `--bins-normalised P`: each bin of the representation times (0.2 / its RMS on 24 training songs)^P on the way in,
  divided by it on the way out (a fixed linear map per bin: the noise then meets every bin at a similar level, where
  lincae's single σ_data leaves the loud low bins audible long after the quiet high ones are buried). Not a lincae
  option: this script wraps `Frontend.to_rep` and `Frontend.to_wave` for the run.

    .venv/bin/python bench/loss_pilots.py --steps 400 --magnitude-weight 10 --out runs/pilot/lam10
    .venv/bin/python bench/loss_pilots.py --steps 1000 --paper-noise --magnitude-weight 30 --out runs/pilot/p30
    .venv/bin/python bench/loss_pilots.py --steps 2500 --paper-noise --magnitude-weight 30 --magnitude-fade 500 --out runs/pilot/fade

Prints the number of threads it trains on (runs are repeatable to every digit at one thread count, not across
counts: compare a pilot with a reference run of the same count; bench/README.md), then one JSON line per held-out
validation (step, mel, MR-STFT, SI-SDR, training seconds).
"""
import argparse, dataclasses, functools, json
import torch
import torch.nn.functional as F
import lincae.consistency, lincae.train
from lincae.consistency import sample_noise_index
from lincae.metrics import STFTResolution, mr_stft_distance
from lincae.train import TrainConfig, read_log, train, training_loss


def noise_index_with_share(share: float):
    "lincae's noise-index sampler with every (1/share)-th item moved to index 1 (σ_max)."
    def sample(n, c, generator=None, **kw):
        idx = sample_noise_index(n, c, generator, **kw)
        return torch.where(torch.arange(n) % round(1 / share) == 0, torch.ones_like(idx), idx)
    return sample


def loss_with_fading_magnitude(fade_steps: int):
    "The trainer's loss with `magnitude_weight` scaled by max(0, 1 − step/fade_steps)."
    def loss(model, audio, step, cfg, gen):
        weight = cfg.magnitude_weight * max(0.0, 1 - step / fade_steps)
        return training_loss(model, audio, step, dataclasses.replace(cfg, magnitude_weight=weight), gen)
    return loss


SPECTRAL_RESOLUTIONS = (STFTResolution(256, 64, 256), STFTResolution(1024, 256, 1024))   # not the network's 512/128


def waveform_spectral_distance(student_rep, target_rep, frontend, eps: float = 1e-5):
    "lincae's MR-STFT distance (spectral convergence + log-magnitude L1) of the two representations' waveforms."
    est, ref = frontend.to_wave(student_rep, clamp=False), frontend.to_wave(target_rep, clamp=False)
    return mr_stft_distance(est, ref, SPECTRAL_RESOLUTIONS, eps).mean()


def loss_with_spectral_term(weight: float):
    "The trainer's loss plus weight × waveform_spectral_distance of the student's output to the clean target."
    from lincae.consistency import consistency_loss, delta_schedule, log_magnitude_distance
    from lincae.train import training_batch
    def loss(model, audio, step, cfg, gen):
        batch = training_batch(model, audio, step, cfg, gen)
        delta = delta_schedule(step, cfg.steps, start_exp=cfg.delta_start_exp, end_exp=cfg.delta_end_exp)
        total, info = consistency_loss(model, batch.target, batch.z, delta, gen, noise_distribution=cfg.noise_distribution)
        if cfg.magnitude_weight: total = total + cfg.magnitude_weight * log_magnitude_distance(info["student"], batch.target)
        return total + weight * waveform_spectral_distance(info["student"], batch.target, model.frontend)
    return loss


def consistency_loss_reweighted(power: float):
    "lincae's consistency_loss with its per-item weights λ replaced by λ^power, scaled to the same mean per batch."
    original, distance = lincae.consistency.consistency_loss, lincae.consistency.pseudo_huber
    def loss(model, target, z, delta, generator=None, noise_distribution="lognormal"):
        seen = {}
        def recorded(*args, **kw):
            seen["d"] = distance(*args, **kw); return seen["d"]
        lincae.consistency.pseudo_huber = recorded       # one call per loss: the per-item distances
        try: _, info = original(model, target, z, delta, generator, noise_distribution=noise_distribution)
        finally: lincae.consistency.pseudo_huber = distance
        paper = info["weight"]
        weight = paper.pow(power)
        return (weight * paper.mean() / weight.mean() * seen["d"]).mean(), info
    return loss


def warmup_stable_decay(share: float):
    "The trainer's warm-up, then the peak learning rate until the last `share` of the run, then linear to `lr_min`."
    def rate(step, cfg):
        if step < cfg.warmup_steps: return cfg.lr * (step + 1) / cfg.warmup_steps
        left = (cfg.steps - step) / max(1.0, share * cfg.steps)
        return cfg.lr_min + (cfg.lr - cfg.lr_min) * min(1.0, max(0.0, left))
    return rate


def residual_stream_in_bf16():
    "Make lincae's ResBlock cast its input to the autocast dtype (bf16 on CPU) when autocast is on."
    from lincae.model import ResBlock
    forward = ResBlock.forward
    def cast_first(self, x, emb=None):
        if torch.is_autocast_enabled(x.device.type): x = x.to(torch.get_autocast_dtype(x.device.type))
        return forward(self, x, emb)
    ResBlock.forward = cast_first


def encoder_sees_magnitude():
    "Give lincae's Encoder a third input channel: the magnitude of each bin of the (compressed) representation."
    from lincae.model import Encoder
    init, forward = Encoder.__init__, Encoder.forward
    def init_with_magnitude(self, c):
        init(self, c)
        self.conv_in = torch.nn.Conv2d(3, self.conv_in.out_channels, 3, padding=1)
    def forward_with_magnitude(self, rep):
        return forward(self, torch.cat([rep, torch.hypot(rep[:, :1], rep[:, 1:])], 1))
    Encoder.__init__, Encoder.forward = init_with_magnitude, forward_with_magnitude


def adaptive_group_norm():
    ("Condition lincae's ResBlock on the noise level by a scale and a shift of its second GroupNorm (ADM's "
     "adaptive GroupNorm) instead of a bias added after its first convolution. Zero-initialised: every block starts "
     "as before.")
    from lincae.model import ResBlock, zero_
    init = ResBlock.__init__
    def init_scale_shift(self, cin, cout, cond=None, *args, **kw):
        init(self, cin, cout, cond, *args, **kw)
        if self.emb is not None: self.emb = zero_(torch.nn.Linear(cond, 2 * cout))
    def forward_scale_shift(self, x, emb=None):
        h = self.norm2(self.conv1(F.silu(self.norm1(x))))
        if emb is not None and self.emb is not None:
            scale, shift = self.emb(emb).unflatten(1, (2, -1)).unbind(1)
            view = lambda t: t.reshape(*t.shape, *[1] * (h.ndim - 2))
            h = h * (1 + view(scale)) + view(shift)
        h = self.conv2(F.silu(h)) + self.skip(x)
        return self.attn(h) if self.attn is not None else h
    ResBlock.__init__, ResBlock.forward = init_scale_shift, forward_scale_shift


class WithFrequencyCoordinate(torch.nn.Module):
    "A first convolution that also reads each bin's position on the frequency axis (−1 … 1), as a third channel."
    def __init__(self, conv: torch.nn.Conv2d):
        super().__init__()
        self.conv = torch.nn.Conv2d(conv.in_channels + 1, conv.out_channels, 3, padding=1)
    def forward(self, x):
        ramp = torch.linspace(-1, 1, x.shape[2], device=x.device, dtype=x.dtype)
        return self.conv(torch.cat([x, ramp[:, None].expand(x.shape[0], 1, -1, x.shape[3])], 1))


def frequency_coordinates():
    "Give the first convolutions of lincae's Encoder and UNet each bin's frequency position (CoordConv)."
    from lincae.model import Encoder, UNet
    for cls in (Encoder, UNet):
        def init_with_coordinate(self, c, init=cls.__init__):
            init(self, c)
            self.conv_in = WithFrequencyCoordinate(self.conv_in)
        cls.__init__ = init_with_coordinate


def mel_weighted_magnitude():
    "Weigh the magnitude term's bins (tiny network) by the mel scale's density, 1/(700 Hz + f), mean 1."
    from lincae.model import CAEConfig
    net = CAEConfig.preset("tiny")
    density = 1 / (700 + torch.arange(net.bins) * net.sample_rate / (2 * net.bins))
    weight = density / density.mean()
    def distance(estimate, target, eps: float = 1e-3):
        magnitude = lambda rep: torch.hypot(rep[:, 0].float(), rep[:, 1].float())
        gap = ((magnitude(estimate) + eps).log() - (magnitude(target) + eps).log()).abs()
        return (gap * weight.to(gap.device)[:, None]).mean()
    lincae.train.log_magnitude_distance = distance


def bins_normalised(power: float, songs: int = 24, seconds: float = 4.0):
    """Scale each bin of the representation by (0.2 / its RMS on training songs)^power (RMS smoothed over 9 bins):
    the noise then meets every bin at a similar level (power 1) instead of the loud low bins at a far higher SNR than
    the quiet high ones. A fixed linear map per bin, so encoding and decoding stay linear."""
    from lincae.audio import Frontend
    from lincae.data import synth_song
    from lincae.model import CAEConfig
    to_rep, to_wave = Frontend.to_rep, Frontend.to_wave          # as lincae defines them
    net = CAEConfig.preset("tiny")
    fe = net.frontend()
    reps = torch.cat([to_rep(fe, synth_song(i, seconds=seconds, sample_rate=net.sample_rate)["mixture"][None])
                      for i in range(songs)])
    rms = F.avg_pool1d(reps.pow(2).mean((0, 1, 3))[None], 9, 1, 4, count_include_pad=False)[0].sqrt()
    gain = (0.2 / rms).pow(power)
    print(json.dumps({"bin_gain": [round(float(g), 3) for g in gain[::32]]}), flush=True)
    Frontend.to_rep = lambda self, audio: to_rep(self, audio) * gain.to(audio.device)[:, None]
    Frontend.to_wave = lambda self, rep, clamp=True: to_wave(self, rep / gain.to(rep.device)[:, None], clamp)


def optimizer_with_beta2(optimizer_class, beta2: float):
    "A stand-in for the trainer's torch.optim.RAdam: `optimizer_class` (Adam or RAdam itself) with betas (0.9, beta2)."
    return functools.partial(optimizer_class, betas=(0.9, beta2))


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--steps", type=int, default=400)
    p.add_argument("--magnitude-weight", type=float, default=0.0)
    p.add_argument("--sigma-max-share", type=float, default=0.0)
    p.add_argument("--magnitude-fade", type=int, default=0, help="steps over which the weight falls to 0")
    p.add_argument("--method", default="lin-cae")
    p.add_argument("--lr", type=float, default=None, help="None: the preset's")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--crop-frames", type=int, default=64)
    p.add_argument("--delta-end-exp", type=float, default=2.0, help="Δ ends at 0.1^this (the paper's 2: 0.01)")
    p.add_argument("--paper-noise", action="store_true", help="log-normal noise levels and σ_max 80 (the shipped recipe)")
    p.add_argument("--sigma-max", type=float, default=None, help="the network's σ_max (None: the preset's, or 80 with --paper-noise)")
    p.add_argument("--model-overrides", default="{}", help="JSON of CAEConfig fields, e.g. '{\"alpha\": 0.5}'")
    p.add_argument("--optimizer", choices=["radam", "adam"], default="radam")
    p.add_argument("--beta2", type=float, default=0.999, help="Adam's β2 (with --optimizer adam)")
    p.add_argument("--spectral-weight", type=float, default=0.0,
                   help="weight of a multi-resolution spectral distance of the student's waveform (not a lincae option)")
    p.add_argument("--magnitude-floor", "--magnitude-eps", type=float, default=1e-3,
                   help="TrainConfig.magnitude_floor: the floor in the term's logarithm (lincae's 1e-3)")
    p.add_argument("--loss-weighting-power", type=float, default=1.0,
                   help="the consistency loss's weight per item: λ^P, mean-matched (1: the paper's; not a lincae option)")
    p.add_argument("--decay-share", type=float, default=None,
                   help="warm-up-stable-decay learning rate, decaying over this last share of the run (default: cosine)")
    p.add_argument("--radam-beta2", type=float, default=None, help="RAdam's β2 (default: torch's 0.999)")
    p.add_argument("--bf16-stream", action="store_true", help="keep the residual stream in bf16 under autocast")
    p.add_argument("--encoder-magnitude", action="store_true", help="the encoder also sees each bin's magnitude")
    p.add_argument("--adaptive-norm", action="store_true",
                   help="noise level as a scale and shift of each block's second GroupNorm (not a lincae option)")
    p.add_argument("--frequency-coordinates", action="store_true",
                   help="the first convolutions also read each bin's frequency position (not a lincae option)")
    p.add_argument("--grad-clip", type=float, default=1.0, help="TrainConfig.grad_clip (lincae's 1.0)")
    p.add_argument("--huber-c-factor", type=float, default=TrainConfig.huber_c_factor,
                   help="TrainConfig.huber_c_factor: the pseudo-Huber c = factor·√d (lincae's 0.00054)")
    p.add_argument("--mel-weighted-magnitude", action="store_true",
                   help="weigh the magnitude term's bins by the mel scale's density (low bins up to 4.5x, high 0.4x)")
    p.add_argument("--bins-normalised", type=float, default=0.0,
                   help="scale each bin by (0.2 / its RMS on training songs)^this (0: lincae's representation)")
    p.add_argument("--out", required=True)
    a = p.parse_args()
    if a.optimizer == "adam": torch.optim.RAdam = optimizer_with_beta2(torch.optim.Adam, a.beta2)
    if a.radam_beta2 is not None: torch.optim.RAdam = optimizer_with_beta2(torch.optim.RAdam, a.radam_beta2)
    if a.bf16_stream: residual_stream_in_bf16()
    if a.encoder_magnitude: encoder_sees_magnitude()
    if a.adaptive_norm: adaptive_group_norm()
    if a.frequency_coordinates: frequency_coordinates()
    if a.mel_weighted_magnitude: mel_weighted_magnitude()
    if a.bins_normalised: bins_normalised(a.bins_normalised)
    if a.decay_share is not None: lincae.train.learning_rate = warmup_stable_decay(a.decay_share)
    if a.magnitude_fade: lincae.train.training_loss = loss_with_fading_magnitude(a.magnitude_fade)
    if a.spectral_weight: lincae.train.training_loss = loss_with_spectral_term(a.spectral_weight)
    if a.loss_weighting_power != 1:
        lincae.train.consistency_loss = consistency_loss_reweighted(a.loss_weighting_power)
    if a.sigma_max_share: lincae.consistency.sample_noise_index = noise_index_with_share(a.sigma_max_share)
    print(json.dumps({"threads": torch.get_num_threads()}), flush=True)
    extra = dict(noise_distribution="lognormal", model_overrides={"sigma_max": 80.0}) if a.paper_noise else {}
    if a.sigma_max is not None: extra["model_overrides"] = {"sigma_max": a.sigma_max}
    extra["model_overrides"] = {**extra.get("model_overrides", {}), **json.loads(a.model_overrides)}
    run = train(TrainConfig(method=a.method, steps=a.steps, out_dir=a.out, validate_every=100, checkpoint_every=100,
                            magnitude_weight=a.magnitude_weight, lr=a.lr,
                            delta_end_exp=a.delta_end_exp, seed=a.seed, batch_size=a.batch_size,
                            crop_frames=a.crop_frames, grad_clip=a.grad_clip, magnitude_floor=a.magnitude_floor,
                            huber_c_factor=a.huber_c_factor,
                            **extra))
    for r in read_log(run):
        if "val_mel" in r: print(json.dumps({k: round(v, 4) for k, v in r.items()}))
