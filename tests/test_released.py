"""The authors' released checkpoints load into our `CAE` and compute what the authors' own code computes.

Needs the authors' package `linear-cae==0.1.4`: when it is not importable it is installed (no dependencies) into the
git-ignored `<repo>/.bench-deps`; if that fails (offline) the comparisons are skipped — unless the environment variable
`LINCAE_REQUIRE_AUTHORS` is set (CI), which turns the skip into a failure.
"""
import inspect, os

import pytest
import torch

from lincae.model import CAE, count_parameters
from lincae.released import (AUTHORS_DEFAULTS, AUTHORS_PACKAGE, RELEASED_FILES, RELEASED_SETTINGS, ReleasedError,
                             authors_modules, authors_release, authors_settings, compare_with_authors, load_released,
                             save_released)


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
    audio = 0.3 * torch.randn(1, model.frontend.segment_samples(32), generator=torch.Generator().manual_seed(3))
    errors = compare_with_authors(ae, model, scale, audio, steps=(1, 2))
    print({k: f"{v:.1e}" for k, v in errors.items()})
    assert set(errors) == {"representation", "latents", "decode, 1 step(s)", "decode, 2 step(s)"}
    assert all(v < 1e-5 for v in errors.values()), errors


def test_autoencoder_from_released_gives_the_authors_scaled_latents(release):
    "`Autoencoder.from_released` applies the authors' factor the authors' way: its latents are theirs, scale included."
    from lincae.inference import Autoencoder
    ae, folder = release
    ours = Autoencoder.from_released(folder, device="cpu")
    audio = 0.3 * torch.randn(ours.model.frontend.segment_samples(32), generator=torch.Generator().manual_seed(4))
    with torch.no_grad():
        theirs = ae.encode(audio[None])[0]
        mine = ours.encode(audio, ours.sample_rate)
    assert mine.shape == theirs.shape
    assert (theirs - mine).abs().max() < 1e-5 * theirs.abs().max()


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
