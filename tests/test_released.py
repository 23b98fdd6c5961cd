"""The authors' released checkpoints load into our `CAE` and compute what the authors' own code computes.

Needs the authors' package `linear-cae==0.1.4`: when it is not importable it is installed (no dependencies) into the
git-ignored `<repo>/.bench-deps`; if that fails (offline) the comparisons are skipped — unless the environment variable
`LINCAE_REQUIRE_AUTHORS` is set (CI), which turns the skip into a failure.
"""
import inspect, os, sys
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from lincae.audio import bandlimited_noise
from lincae.model import CAE, CAEConfig, count_parameters
from lincae.released import (AUTHORS_DEFAULTS, RELEASED_FILES, RELEASED_SETTINGS, ReleasedAutoencoder, ReleasedError,
                             authors_settings, load_released, save_released)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))   # the authors' code lives outside the package
from authors import AUTHORS_PACKAGE, authors_modules, authors_release, compare_with_authors  # noqa: E402


@pytest.fixture(scope="module")
def authors(repo):
    modules = authors_modules(install=True, target=repo / ".bench-deps")
    if modules is None:
        message = f"the authors' package {AUTHORS_PACKAGE} is not installed and `pip install` failed"
        if os.environ.get("LINCAE_REQUIRE_AUTHORS"): pytest.fail(message + " (LINCAE_REQUIRE_AUTHORS is set)")
        pytest.skip(message)
    return modules


@pytest.fixture(scope="module")
def release(authors, tmp_path_factory):
    "The authors' Autoencoder at the released settings (random weights) written as `2f4c6d21_weights/` (lin-cae-2)."
    folder = tmp_path_factory.mktemp("hub") / "2f4c6d21_weights"
    return authors_release(authors, folder, RELEASED_SETTINGS, model_id="lin-cae-2", seed=0), folder


def test_authors_defaults_are_recorded_correctly(authors):
    "A key missing from a yaml file means the class default: ours must be the package's."
    for kind, cls in (("frontend", authors.frontends.ScaledComplexSTFT), ("generator", authors.generator.UNet),
                      ("diffusion", authors.diffusion.Diffusion)):
        defaults = {k: p.default for k, p in inspect.signature(cls).parameters.items() if k != "activation_bottleneck"}
        assert defaults == AUTHORS_DEFAULTS[kind], kind


def test_release_matches_the_authors_code(release):
    ae, folder = release
    assert sorted(p.name for p in folder.iterdir()) == sorted(v.format("last") for v in RELEASED_FILES.values())
    model, scale = load_released(folder)
    assert scale == 40.0 == ae.scale_factor
    assert count_parameters(model) == count_parameters(ae.generator)
    assert round(count_parameters(model) / 1e6, 2) == 58.19
    assert (model.config.hop, model.config.alpha, model.config.beta, model.config.sample_rate) == (512, 0.65, 0.34, 44100)
    n = model.frontend.segment_samples(30) + 300      # 30 frames (not whole latent frames) and 300 samples left over
    audio = 0.3 * torch.randn(1, n, generator=torch.Generator().manual_seed(3))
    errors = compare_with_authors(ae, model, scale, audio, steps=(1, 2))
    print({k: f"{v:.1e}" for k, v in errors.items()})
    assert set(errors) == {"representation", "latents", "decode, 1 step(s)", "decode, 2 step(s)"}
    assert all(v < 1e-5 for v in errors.values()), errors


def test_autoencoder_from_released_gives_the_authors_scaled_latents(release):
    "`Autoencoder.from_released` applies the authors' factor the authors' way: its latents are theirs, scale included."
    from lincae.inference import Autoencoder
    ae, folder = release
    ours = Autoencoder.from_released(folder, device="cpu")
    audio = 0.2 * torch.randn(44101, generator=torch.Generator().manual_seed(4))     # 1 s + 1 sample: 83 frames
    with torch.no_grad():
        theirs = ae.encode(audio[None])[0]
        mine = ours.encode(audio, ours.sample_rate)
    assert mine.shape == theirs.shape
    assert (theirs - mine).abs().max() < 1e-5 * theirs.abs().max()


def test_autoencoder_from_released_is_a_released_autoencoder(release):
    "A released checkpoint never goes through lincae's own chunking (it would differ from the authors beyond ~11 s)."
    from lincae.inference import Autoencoder
    assert isinstance(Autoencoder.from_released(release[1], device="cpu"), ReleasedAutoencoder)


# --- any length: a small network, so that a grid of lengths up to 13 s stays cheap ---------------------------------

TINY_44K = authors_settings(CAEConfig.preset("tiny", sample_rate=44100))   # hop 128: a window is 512 samples
SR, HOP, WINDOW = 44100, 128, 512
whole = lambda frames: (frames - 1) * HOP + WINDOW                          # samples of `frames` whole windows

LENGTHS = [300, WINDOW - 1, WINDOW, WINDOW + 1,                # below one window their code refuses: padded to one
           whole(64) - 1, whole(64), whole(64) + 100, whole(65),   # 63 | 64 frames (8 latent frames), 100 left over, 65
           12345, 44101, 2 * SR, 4 * SR,                        # odd lengths, 2 s, 4 s
           whole(8 * 474), whole(8 * 474 + 1),                  # 474 | 475 latent frames: where lincae's Autoencoder
           12 * SR, 13 * SR + 1]                                #   (10 s + 1 s) starts cutting; 12 s, 13 s
DECODE_LENGTHS = [300, WINDOW + 1, whole(64) - 1, whole(64) + 100, whole(65), 12345, 2 * SR, 4 * SR]   # its only length rule: the trim


@pytest.fixture(scope="module")
def tiny_release(authors, tmp_path_factory):
    "The authors' Autoencoder for our tiny preset at 44.1 kHz (random weights), released as `0a3afbec_weights` (lin-cae, 33)."
    folder = tmp_path_factory.mktemp("hub") / "0a3afbec_weights"
    ae = authors_release(authors, folder, TINY_44K, model_id="lin-cae", seed=1)
    return ae, folder, ReleasedAutoencoder.from_released(folder, device="cpu")


def authors_encode(ae, audio):
    "Their `encode`; below one window, where it refuses, their answer for the audio zero-padded to one window."
    with torch.no_grad(): return ae.encode(F.pad(audio, (0, max(0, WINDOW - audio.shape[-1]))))


def relative(ours, theirs) -> float: return float((ours - theirs).abs().max() / theirs.abs().max())


@pytest.mark.parametrize("n", LENGTHS)
def test_released_autoencoder_encodes_like_the_authors_at_any_length(tiny_release, n):
    ae, _, ours = tiny_release
    x = bandlimited_noise((1, n), seed=n)
    theirs, mine = authors_encode(ae, x)[0], ours.encode(x[0], SR)
    assert mine.shape == theirs.shape == (16, ours.latent_frames(n))
    assert relative(mine, theirs) < 1e-4


@pytest.mark.parametrize("n", DECODE_LENGTHS)
def test_released_model_decodes_like_the_authors_at_any_length(tiny_release, n):
    "Representation, latents and 1- and 2-step decodes (shared global noise) of the bare model."
    ae, folder, _ = tiny_release
    model, scale = load_released(folder)
    errors = compare_with_authors(ae, model, scale, bandlimited_noise((1, n), seed=n), steps=(1, 2))
    assert all(v < 1e-4 for v in errors.values()), errors


def test_released_autoencoder_decodes_like_the_authors_defaults(tiny_release):
    "A batch of two, decoded by theirs one item at a time (their default) and by ours: the same global noise, trimmed alike."
    ae, _, ours = tiny_release
    n = whole(64) + 100                                  # their decode stops 100 samples short: ours is silent there
    x = bandlimited_noise((2, n), seed=5)
    theirs_z, z = authors_encode(ae, x), ours.encode(x, SR, batched=True)
    for steps in (1, 2):
        with torch.no_grad(): torch.manual_seed(steps); theirs = ae.decode(theirs_z, full_length=n, diffusion_steps=steps)
        torch.manual_seed(steps); mine = ours.decode(z, n, steps=steps, batched=True, clamp=False)
        assert theirs.shape == (2, n - 100) and mine.shape == (2, n)
        assert relative(mine, F.pad(theirs, (0, 100))) < 1e-4
    assert ours.decode(z, n, batched=True).abs().max() <= 1             # clamped by default (theirs is not)


def test_released_autoencoder_refuses_lincae_chunking(tiny_release):
    with pytest.raises(ValueError, match="chunk_seconds and overlap_seconds do not apply"):
        ReleasedAutoencoder.from_released(tiny_release[1], device="cpu", chunk_seconds=5.0)


def test_authors_code_loads_what_we_save(authors, tmp_path):
    "The inverse mapping: a model of ours written in the published layout loads strictly into the authors' Autoencoder."
    torch.manual_seed(0)
    ours = CAE.from_preset("tiny").eval()
    with torch.no_grad():
        for p in ours.parameters(): p.add_(0.05 * torch.randn_like(p))
    folder = save_released(ours, tmp_path / "lin-cae")
    settings = authors_settings(ours.config)
    ae = authors.Autoencoder(settings["frontend"], settings["generator"], settings["diffusion"], name="lin-cae")
    ae.load_state_dict(torch.load(folder / RELEASED_FILES["weights"].format("last"), weights_only=True))   # strict
    ae.eval()
    x = 0.3 * torch.randn(1, ours.frontend.segment_samples(16), generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        theirs = ae.encode(x) / ae.scale_factor
        mine = load_released(folder)[0].encode(x)
    assert (theirs - mine).abs().max() < 1e-5 * theirs.abs().max()


def test_broken_files_are_named(tmp_path):
    folder = save_released(CAE.from_preset("tiny"), tmp_path / "m2l")
    weights = folder / RELEASED_FILES["weights"].format("last")
    weights.write_bytes(weights.read_bytes()[:1000])
    with pytest.raises(ReleasedError, match="unreadable or truncated weights") as e: load_released(folder)
    assert str(weights) in str(e.value)
    (folder / RELEASED_FILES["frontend"].format("last")).unlink()
    with pytest.raises(ReleasedError, match=r"missing released file\(s\) \['frontend_kwargs_last.yaml'\]"):
        load_released(folder)
