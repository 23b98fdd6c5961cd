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

How much the decode depends on its starting noise (a converged one-step decoder takes its magnitudes from the
latent and little more than its phases from the noise):

* magnitude_correlation_across_noise — correlation of the decoded magnitudes (all bins) under noise seeds 0 and 1
* rms_ratio_by_noise_scale — the decode's RMS over the truth's when the starting noise is scaled by 1, 0.5, 0
* "magnitudes averaged over 4 noises + decoded phase" — RMS over 4 noise draws of each bin's magnitude, under the
  phases of draw 0: if the magnitudes' error were their noise-to-noise scatter, this would remove much of it

And how well the network denoises along the chain of noise levels that consistency training builds on:

* denoising_by_sigma — at noise levels from σ_min to σ_max, `log_magnitude_distance` (02a) to the clean
  representation of the noisy input (`in`) and of the network's output (`out`), on the songs' first 64 frames
  (noise seed 0). A denoiser that helps has out well below in; the one-step decode can be no better than `out`
  where the chain starts.

And whether the decodes' missing level (they come out quieter than the truth) is worth restoring:

* loudness_correction — mel / MR-STFT of the decode times one gain, and of the decode through a per-bin equaliser,
  each fitted on 12 training songs (the decode's power against the truth's, noise seed 1), and through the
  equaliser fitted on the scored songs themselves (an oracle). A fixed gain or equaliser is a linear filter, so it
  would keep the decoder's additivity and homogeneity as they are.

And how much of the starting noise the one-step decode passes straight through (the EDM skip alone passes
c_skip(σ_max)·σ_max of it, 0.0495 at σ_max 5 and σ_data 0.5, unless the network cancels it):

* noise_in_decode — the least-squares gain of the one-step output on its starting noise (fitted on 12 training
  songs, noise seed 1), the RMS of the truth, the decode and that noise component in the quieter half of the bins of
  the scored songs, and mel / MR-STFT of the decode with the component removed.

    .venv/bin/python bench/decode_diagnosis.py data/checkpoints/tiny-lin-cae.ckpt data/checkpoints/tiny-m2l.ckpt
"""
import json
import sys

import torch

from lincae.data import song_seeds, synth_song
from lincae.metrics import mel_distance, mr_stft_distance
from lincae.consistency import log_magnitude_distance
from lincae.model import CAE, decoding_noise, edm_scalings, karras_sigma
from lincae.train import TrainConfig


def magnitude(rep: torch.Tensor) -> torch.Tensor: return torch.complex(rep[:, 0], rep[:, 1]).abs()


def recombine(magnitudes: torch.Tensor, phase_from: torch.Tensor) -> torch.Tensor:
    "A representation `[B, 2, bins, frames]` with `magnitudes` `[B, bins, frames]` and the phases of `phase_from`."
    phase = torch.angle(torch.complex(phase_from[:, 0], phase_from[:, 1]))
    z = magnitudes * torch.exp(1j * phase)
    return torch.stack([z.real, z.imag], 1)


def starting_noise(model: CAE, z: torch.Tensor, seed: int) -> torch.Tensor:
    "The unit noise a one-step decode of the latents `z` with noise `seed` starts from (`decoding_noise`)."
    c = model.config
    return decoding_noise(seed, (z.shape[0], 2, c.bins, z.shape[-1] * c.time_downsampling))(0)


def decode_with_scaled_noise(model: CAE, z: torch.Tensor, seed: int, scale: float) -> torch.Tensor:
    "One-step decode whose starting noise (of `seed`) is multiplied by `scale`."
    noise = starting_noise(model, z, seed)
    return model.decode_rep(z, steps=1, noise=lambda k: noise * scale)


@torch.no_grad()
def denoising_by_sigma(model: CAE, truth: torch.Tensor, z: torch.Tensor, indices=(0.05, 0.2, 0.4, 0.6, 0.8, 1.0)) -> dict:
    "`{σ: {in, out}}`: log-magnitude distance to `truth` of the input noised to σ and of the network's output."
    maps, out = model.upsampler(z), {}
    noise = torch.randn(truth.shape, generator=torch.Generator().manual_seed(0))
    for sigma in karras_sigma(torch.tensor(indices), model.config).tolist():
        noisy = truth + sigma * noise
        out[f"{sigma:.3g}"] = {"in": round(log_magnitude_distance(noisy, truth).item(), 3),
                               "out": round(log_magnitude_distance(model.denoise(noisy, sigma, maps=maps), truth).item(), 3)}
    return out


def stft(audio: torch.Tensor, hop: int) -> torch.Tensor:
    return torch.stft(audio, 4 * hop, hop, window=torch.hann_window(4 * hop), return_complex=True)


def equalise(audio: torch.Tensor, gain: torch.Tensor, hop: int) -> torch.Tensor:
    "`audio` `[B, T]` through the per-bin amplitude `gain` `[bins]` of an STFT with hop `hop` (n_fft 4·hop)."
    return torch.istft(stft(audio, hop) * gain[:, None], 4 * hop, hop, window=torch.hann_window(4 * hop),
                       length=audio.shape[-1])


@torch.no_grad()
def loudness_correction(model: CAE, songs: torch.Tensor, decoded: torch.Tensor, training_songs: int = 12) -> dict:
    "Scores of `decoded` (audio of `songs`) after a gain or an equaliser fitted on training songs (and an oracle one)."
    c, sr = model.config, model.config.sample_rate
    train = torch.stack([synth_song(s, 3.0, sr)["mixture"] for s in song_seeds("train")[:training_songs]])
    train_decoded = model.decode(model.encode(train), train.shape[-1], seed=1)
    power = lambda a: stft(a, c.hop).abs().pow(2).mean((0, -1))
    fixes = {"gain fitted on training songs": lambda a: a * (train.pow(2).mean() / train_decoded.pow(2).mean()).sqrt(),
             "equaliser fitted on training songs": lambda a: equalise(a, (power(train) / power(train_decoded)).sqrt(), c.hop),
             "equaliser fitted on the scored songs (oracle)": lambda a: equalise(a, (power(songs) / power(decoded)).sqrt(), c.hop)}
    score = lambda a: dict(mel=round(mel_distance(a, songs, sr).mean().item(), 3),
                           mr_stft=round(mr_stft_distance(a, songs).mean().item(), 3))
    return {"as decoded": score(decoded), **{name: score(fix(decoded)) for name, fix in fixes.items()}}


@torch.no_grad()
def noise_in_decode(model: CAE, songs: torch.Tensor, truth: torch.Tensor, decoded: torch.Tensor,
                    training_songs: int = 12) -> dict:
    "How much of the starting noise the one-step decode carries, and the scores without it (see the docstring)."
    c, fe, sr = model.config, model.frontend, model.config.sample_rate
    train = torch.stack([synth_song(s, 3.0, sr)["mixture"] for s in song_seeds("train")[:training_songs]])
    z_train = model.encode(train)
    out, noise = decode_with_scaled_noise(model, z_train, 1, 1.0), starting_noise(model, z_train, 1)
    gain = ((out * noise).sum() / noise.pow(2).sum()).item()
    noise = decoding_noise(0, decoded.shape)(0)                  # what `decoded` (noise seed 0) started from
    quiet = magnitude(truth) < magnitude(truth).median()
    rms = lambda rep: round(magnitude(rep)[quiet].pow(2).mean().sqrt().item(), 4)
    audio = fe.decode_audio(decoded - gain * noise, songs.shape[-1])
    skip = edm_scalings(torch.tensor(c.sigma_max), c.sigma_min, c.sigma_data)[0].item() * c.sigma_max
    return dict(gain=round(gain, 4), skip_gain=round(skip, 4), quiet_half_rms=dict(
                    truth=rms(truth), decoded=rms(decoded), noise_component=rms(gain * noise)),
                without_it=dict(mel=round(mel_distance(audio, songs, sr).mean().item(), 3),
                                mr_stft=round(mr_stft_distance(audio, songs).mean().item(), 3)))


def diagnose(path: str, songs: torch.Tensor) -> dict:
    model = CAE.load(path).eval()
    fe, length = model.frontend, songs.shape[-1]
    with torch.no_grad():
        z = model.encode(songs)
        decoded = model.decode_rep(z, steps=1, seed=0)
        draws = [decoded] + [model.decode_rep(z, steps=1, seed=s) for s in (1, 2, 3)]
        scaled = {scale: decode_with_scaled_noise(model, z, 0, scale) for scale in (0.5, 0.0)}
        truth = fe.to_rep(fe.pad(songs))[..., :decoded.shape[-1]]
    noise = torch.randn(truth.shape, generator=torch.Generator().manual_seed(0))
    averaged = torch.stack([magnitude(d) for d in draws]).pow(2).mean(0).sqrt()
    hybrids = {"decoded": decoded, "decoded magnitude + true phase": recombine(magnitude(decoded), truth),
               "true magnitude + decoded phase": recombine(magnitude(truth), decoded),
               "true magnitude + random phase": recombine(magnitude(truth), noise),
               "magnitudes averaged over 4 noises + decoded phase": recombine(averaged, decoded)}
    out = dict(checkpoint=path)
    for name, rep in hybrids.items():
        audio = fe.decode_audio(rep, length)
        out[name] = dict(mel=round(mel_distance(audio, songs, model.config.sample_rate).mean().item(), 3),
                         mr_stft=round(mr_stft_distance(audio, songs).mean().item(), 3))
    rms_ratio = lambda rep: round((fe.decode_audio(rep, length).pow(2).mean(-1).sqrt()
                                   / songs.pow(2).mean(-1).sqrt()).mean().item(), 3)
    out["rms_ratio"] = rms_ratio(decoded)
    out["rep_magnitude_ratio"] = round((magnitude(decoded).mean() / magnitude(truth).mean()).item(), 3)
    pair = torch.stack([magnitude(draws[0]).flatten(), magnitude(draws[1]).flatten()])
    out["magnitude_correlation_across_noise"] = round(torch.corrcoef(pair)[0, 1].item(), 3)
    out["rms_ratio_by_noise_scale"] = {1.0: out["rms_ratio"], **{k: rms_ratio(v) for k, v in scaled.items()}}
    crop = TrainConfig.crop_frames                              # the training crop's frames
    out["denoising_by_sigma"] = denoising_by_sigma(model, truth[..., :crop], z[..., :crop // model.config.time_downsampling])
    out["loudness_correction"] = loudness_correction(model, songs, fe.decode_audio(decoded, length))
    out["noise_in_decode"] = noise_in_decode(model, songs, truth, decoded)
    return out


if __name__ == "__main__":
    songs = torch.stack([synth_song(10_000 + i, 3.0, 16000)["mixture"] for i in range(6)])
    for path in sys.argv[1:]: print(json.dumps(diagnose(path, songs)))
