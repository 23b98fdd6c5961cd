"""Isolated stems and the decoder's noise floor: each stem of the issue's six held-out seeds (3 s, 16 kHz; played by
the procedural synthesisers or by `--soundfont`) encoded and decoded alone (1 step, noise seed 0, EMA weights), scored
like the mixture; then what the decoder gives where the truth is digitally silent. Stems have silences (a singer's
rests) that mixtures rarely have; a log-spectral score (mel, MR-STFT's log half) sees any hiss there as a large error.
Per checkpoint: Dec(0) RMS and Dec(Enc(0)) RMS with the starting noise as drawn and scaled down, and per stem the share
of 64 ms frames below 1e-4 RMS in the truth, the decode's RMS in those frames, the mel distance with the decode zeroed
there (what a perfect gate would score), and the power of truth and decode in frequency bands (`BANDS_HZ`), where a
stem with nothing in a band shows the hiss.

    .venv/bin/python bench/stems_silence.py data/checkpoints/tiny-*.ckpt \
        --out bench/results/stems_silence_procedural.json
    .venv/bin/python bench/stems_silence.py data/checkpoints/tiny-*.ckpt \
        --soundfont /usr/share/sounds/sf2/FluidR3_GM.sf2 --out bench/results/stems_silence_fluidr3.json
"""
import argparse, json
import torch
from lincae.data import STEMS
from lincae.model import CAE, decoding_noise
from lincae.metrics import mel_distance, mr_stft_distance
from issue_songs import issue_set, save_rows     # (this folder is on the path when the script runs)

FRAME = 1024          # 64 ms at 16 kHz
SILENT_RMS = 1e-4     # a frame of the truth quieter than this is silence
BANDS_HZ = ((0, 250), (250, 1000), (1000, 2000), (2000, 4000), (4000, 8000))

def rms(x: torch.Tensor) -> float: return x.pow(2).mean().sqrt().item()

def rounded(v):
    "A score to 4 decimals, a list of band levels to 0.1 dB, None as it is."
    return None if v is None else [round(u, 1) for u in v] if isinstance(v, list) else round(v, 4)

NOISE_SCALES = (1.0, 0.5, 0.0)

@torch.no_grad()
def silence_floor(model, samples: int) -> dict:
    """RMS of Dec(0) and of Dec(Enc(silence)), the decoder's own noise floor, the latter with the decoder's starting
    noise (seed 0, as `decode` draws it) scaled by each of `NOISE_SCALES` (how much of the floor is that noise)."""
    z = model.encode(torch.zeros(2, samples))
    c = model.config
    noise = decoding_noise(0, (2, 2, c.bins, z.shape[-1] * c.time_downsampling))
    scaled = {f"dec_enc_silence_rms_noise_{s}": rms(model.frontend.decode_audio(
                  model.decode_rep(z, 1, noise=lambda k: noise(k) * s), samples)) for s in NOISE_SCALES}
    return dict(dec_zero_rms=rms(model.decode(torch.zeros_like(z), samples, steps=1, seed=0)), **scaled)

def band_levels_db(x: torch.Tensor, sample_rate: int) -> list[float]:
    "Mean power of `x` [B, T] in each of `BANDS_HZ`, in dB (STFT 1024 / hop 256, Hann)."
    power = torch.stft(x, 1024, 256, window=torch.hann_window(1024), return_complex=True).abs().pow(2).mean((0, 2))
    hz = torch.linspace(0, sample_rate / 2, len(power))
    return [10 * torch.log10(power[(hz >= lo) & (hz < hi)].mean() + 1e-20).item() for lo, hi in BANDS_HZ]

@torch.no_grad()
def stem_scores(model, x: torch.Tensor) -> dict:
    "Decode items `x` [B, T] alone; scores, and what the decode holds where the truth is silent."
    T, sr = x.shape[-1], model.config.sample_rate
    y = model.decode(model.encode(x), T, steps=1, seed=0)
    n = T // FRAME * FRAME
    frames = lambda a: a[..., :n].unfold(-1, FRAME, FRAME).pow(2).mean(-1).sqrt()
    silent = frames(x) < SILENT_RMS
    gate = torch.ones_like(x)
    gate[..., :n] = (~silent).float().repeat_interleave(FRAME, -1)
    return dict(mel=mel_distance(y, x, sr).mean().item(), mr_stft=mr_stft_distance(y, x).mean().item(),
                silent_share=silent.float().mean().item(),
                decode_rms_in_silence=frames(y)[silent].pow(2).mean().sqrt().item() if silent.any() else None,
                truth_rms_active=frames(x)[~silent].pow(2).mean().sqrt().item(),
                mel_gated=mel_distance(y * gate, x, sr).mean().item(),
                truth_band_db=band_levels_db(x, sr), decode_band_db=band_levels_db(y, sr))

if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("checkpoints", nargs="+")
    p.add_argument("--soundfont", default=None, help="play the seeds with this .sf2 (default: the procedural songs)")
    p.add_argument("--out", default=None, help="also write every row, with this command, to this JSON file")
    a = p.parse_args()
    parts = {part: issue_set("sampled" if a.soundfont else "synth", a.soundfont, part) for part in ("mixture", *STEMS)}
    out = []
    for path in a.checkpoints:
        model = CAE.load(path)
        out.append(dict(checkpoint=path, **{k: round(v, 5) for k, v in silence_floor(model, 48_000).items()}))
        print(json.dumps(out[-1]), flush=True)
        for stem, x in parts.items():
            row = stem_scores(model, x[x.pow(2).mean(-1).sqrt() > 1e-3])     # stems that play at all
            out.append(dict(checkpoint=path, stem=stem, **{k: rounded(v) for k, v in row.items()}))
            print(json.dumps(out[-1]), flush=True)
    if a.out: save_rows(a.out, out, songs=a.soundfont or "procedural")
