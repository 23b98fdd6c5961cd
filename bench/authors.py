"""The authors' code, for checks and benchmarks only: install, import and drive `linear-cae==0.1.4`.

The authors' package is never a dependency of lincae, and the code that fetches and runs it is not part of the package
either. It is shared by notebook 08b (fidelity checks), `tests/test_released.py` (the same checks over a grid of
lengths, in CI) and `bench/compare_authors.py` (speed). Import it with `bench/` on `sys.path`:

    sys.path.insert(0, "bench"); from authors import authors_modules, authors_release, compare_with_authors

When `linear_cae` is not importable, `authors_modules(install=True)` installs it (no dependencies) into the git-ignored
`<repo>/.bench-deps` and appends that folder to `sys.path` (after the venv, so nothing there can shadow torch or
numpy). The package's `__init__` imports `huggingface_hub`; when that is not installed (or its import fails), a
stand-in module that only refuses to download is put in place while `linear_cae.inference` is imported, so that
their `Autoencoder` class itself (its state-dict layout, its `encode`/`decode` with the scale factor) is what we
compare with.
"""
from __future__ import annotations
import importlib, importlib.util, subprocess, sys, types
from pathlib import Path

import torch
import torch.nn.functional as F

from lincae.model import CAE
from lincae.released import RELEASED_SETTINGS, write_released

AUTHORS_PACKAGE = "linear-cae==0.1.4"
BENCH_DEPS = Path(__file__).resolve().parents[1] / ".bench-deps"


def _import_authors(stub_hub: bool):
    "`linear_cae.inference`, with a stand-in `huggingface_hub` while it imports when `stub_hub`."
    saved = {k: sys.modules.pop(k) for k in list(sys.modules) if k == "linear_cae" or k.startswith("linear_cae.")}
    real_hub = sys.modules.get("huggingface_hub")
    if stub_hub:
        hub = types.ModuleType("huggingface_hub")
        def hf_hub_download(*a, **k):
            raise RuntimeError("huggingface_hub is not installed (stand-in for lincae's checks)")
        hub.hf_hub_download = hf_hub_download
        sys.modules["huggingface_hub"] = hub
    try: return importlib.import_module("linear_cae.inference")
    except Exception:
        for k in [k for k in sys.modules if k == "linear_cae" or k.startswith("linear_cae.")]: del sys.modules[k]
        sys.modules.update(saved)
        raise
    finally:
        if stub_hub:
            sys.modules.pop("huggingface_hub", None)
            if real_hub is not None: sys.modules["huggingface_hub"] = real_hub


def authors_modules(install: bool = False, target=None) -> types.SimpleNamespace | None:
    ("The authors' `frontends`, `generator`, `diffusion`, `inference` modules, installing the package into `target` "
     "(default `<repo>/.bench-deps`) if asked; else None.")
    target = Path(target or BENCH_DEPS)
    if importlib.util.find_spec("linear_cae") is None and str(target) not in sys.path:
        sys.path.append(str(target)); importlib.invalidate_caches()
    if importlib.util.find_spec("linear_cae") is None:
        if not install: return None
        cmd = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), AUTHORS_PACKAGE]
        print("installing the authors' package:", " ".join(cmd), file=sys.stderr)
        if subprocess.run(cmd).returncode != 0: return None
        importlib.invalidate_caches()
    stub = importlib.util.find_spec("huggingface_hub") is None
    try: inference = _import_authors(stub)
    except ImportError:                              # e.g. a broken huggingface_hub install: use the stand-in
        inference = _import_authors(True)
    c = "linear_cae.components."
    return types.SimpleNamespace(inference=inference, Autoencoder=inference.Autoencoder,
                                 frontends=sys.modules[c + "frontends"], generator=sys.modules[c + "generator"],
                                 diffusion=sys.modules[c + "diffusion"])


def authors_release(authors, folder, settings: dict = RELEASED_SETTINGS, model_id: str = "lin-cae-2", seed: int = 0):
    ("The authors' `Autoencoder` built from `settings` with seeded random weights (every tensor perturbed, so that no "
     "zero-initialised layer hides a wrong mapping), written to `folder` in the published layout.")
    torch.manual_seed(seed)
    ae = authors.Autoencoder(*(dict(settings[k]) for k in ("frontend", "generator", "diffusion")), name=model_id)
    with torch.no_grad():
        for p in ae.parameters(): p.add_(0.02 * torch.randn_like(p))
    write_released(folder, **settings, state_dict=ae.state_dict())
    return ae.eval()


def compare_with_authors(ae, model: CAE, scale: float, audio: torch.Tensor, steps=(1,)) -> dict[str, float]:
    "max |ours − theirs| / max |theirs| for the representation, the latents and the decodes with `steps` steps."
    n, fe, out = audio.shape[-1], model.frontend, {}
    if not hasattr(fe, "authors_frames"):            # an AuthorsFraming (by behaviour: notebooks define their own class)
        raise ValueError("compare a model loaded with framing='authors'")
    given = fe.pad(audio) if n < fe.n_fft else audio     # their code refuses audio shorter than one window
    with torch.no_grad():
        out["representation"] = (fe.to_rep(fe.pad(audio)), ae.frontend.to_representation(given))
        batch = audio.shape[0]                       # one chunk, so their noise is drawn like ours (all at once)
        z_theirs = ae.encode(given, max_batch_size=batch)
        z = model.encode(audio)
        out["latents"] = (scale * z, z_theirs)
        for s in steps:
            torch.manual_seed(10 + s)
            theirs = ae.decode(z_theirs, full_length=n, diffusion_steps=s, max_batch_size=batch)
            torch.manual_seed(10 + s)
            ours = model.decode(z, n, steps=s, clamp=False)
            out[f"decode, {s} step(s)"] = (ours, F.pad(theirs, (0, n - theirs.shape[-1])))   # ours: silence after theirs end
    return {k: float((a - b).abs().max() / b.abs().max()) for k, (a, b) in out.items()}
