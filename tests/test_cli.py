"The `lincae` command line, run as a subprocess (`python -m lincae.cli`) on generated audio with a 2-step checkpoint."
import subprocess, sys
import pytest
import soundfile as sf
import torch

from lincae.audio import save_audio
from lincae.data import synth_song, song_seeds
from lincae.model import CAE, save_checkpoint
from lincae.train import TrainConfig, train


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    "A folder with a tiny checkpoint trained for 2 steps and the stems of a 2 s song at 16 kHz (plus one at 44.1 kHz)."
    root = tmp_path_factory.mktemp("cli")
    run = train(TrainConfig(model="tiny", steps=2, batch_size=2, out_dir=str(root / "run")))
    for name, audio in synth_song(song_seeds("eval")[3], seconds=2.0, sample_rate=16000).items():
        save_audio(root / f"{name}.wav", audio, 16000)
    save_audio(root / "short44.wav", synth_song(5, seconds=1.0, sample_rate=44100)["mixture"], 44100)
    return root, run / "last.ckpt"


def lincae(*argv, ckpt=None):
    "Run `python -m lincae.cli argv…` and return the finished process."
    cmd = [sys.executable, "-m", "lincae.cli", *map(str, argv)]
    if ckpt is not None: cmd += ["--ckpt", str(ckpt), "--device", "cpu", "--quiet"]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600)


def audio_info(path):
    info = sf.info(str(path))
    return info.frames, info.samplerate


def test_encode_then_decode(work):
    root, ckpt = work
    done = lincae("encode", root / "mixture.wav", root / "mixture.pt", ckpt=ckpt)
    assert done.returncode == 0, done.stderr
    latents = torch.load(root / "mixture.pt", weights_only=True)
    assert latents["length"] == 32000 and latents["sample_rate"] == 16000 and latents["latents"].shape[0] == 16
    done = lincae("decode", root / "mixture.pt", root / "decoded.wav", ckpt=ckpt)
    assert done.returncode == 0, done.stderr
    assert audio_info(root / "decoded.wav") == (32000, 16000)


def test_encode_resamples_with_a_note(work):
    root, ckpt = work
    done = subprocess.run([sys.executable, "-m", "lincae.cli", "encode", str(root / "short44.wav"), str(root / "short44.pt"),
                           "--ckpt", str(ckpt), "--device", "cpu"], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "44100 Hz" in done.stderr and "16000 Hz" in done.stderr
    assert torch.load(root / "short44.pt", weights_only=True)["length"] == 16000


def test_mix_and_separate(work):
    root, ckpt = work
    done = lincae("mix", root / "vocals.wav", root / "drums.wav", root / "short44.wav", "--gains", 1, 0.5, 2,
                  root / "mixed.wav", ckpt=ckpt)
    assert done.returncode == 0, done.stderr
    assert audio_info(root / "mixed.wav") == (32000, 16000)          # as long as the longest input
    done = lincae("separate", root / "mixture.wav", root / "other.wav", root / "separated.wav", ckpt=ckpt)
    assert done.returncode == 0, done.stderr
    assert audio_info(root / "separated.wav") == (32000, 16000)


def test_same_seed_same_output(work):
    root, ckpt = work
    for name in ("a", "b"):
        assert lincae("mix", root / "bass.wav", root / f"seed_{name}.wav", "--seed", 7, ckpt=ckpt).returncode == 0
    assert (root / "seed_a.wav").read_bytes() == (root / "seed_b.wav").read_bytes()


@pytest.mark.parametrize("argv, named, message", [
    (["encode", "{root}/missing.wav", "{root}/x.pt"], "missing.wav", "no such audio file"),
    (["encode", "{root}/garbage.wav", "{root}/x.pt"], "garbage.wav", "cannot read"),
    (["decode", "{root}/missing.pt", "{root}/x.wav"], "missing.pt", "no such latent file"),
    (["decode", "{ckpt}", "{root}/x.wav"], "last.ckpt", "not a lincae latent file"),
    (["mix", "{root}/vocals.wav", "{root}/drums.wav", "--gains", "1", "{root}/x.wav"], "gains", "1 gains for 2 input files"),
    (["separate", "{root}/mixture.wav", "{root}/missing.wav", "{root}/x.wav"], "missing.wav", "no such audio file"),
])
def test_user_errors(work, argv, named, message):
    root, ckpt = work
    (root / "garbage.wav").write_bytes(b"RIFF....WAVEfmt garbage")
    done = lincae(*[a.format(root=root, ckpt=ckpt) for a in argv], ckpt=ckpt)
    assert done.returncode == 1, done.stderr
    assert named in done.stderr and message in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1, done.stderr
    assert not (root / "x.wav").exists() and not (root / "x.pt").exists()


def test_bad_checkpoints(work):
    root, ckpt = work
    assert lincae("encode", root / "mixture.wav", root / "mixture.pt", ckpt=ckpt).returncode == 0
    done = lincae("decode", root / "mixture.pt", root / "x.wav", ckpt=root / "nope.ckpt")
    assert done.returncode == 1 and "nope.ckpt" in done.stderr and "Traceback" not in done.stderr
    other = save_checkpoint(CAE.from_preset("tiny", latent_channels=8).checkpoint_state(), root / "other.ckpt")
    done = lincae("decode", root / "mixture.pt", root / "x.wav", ckpt=other)
    assert done.returncode == 1 and "another configuration" in done.stderr, done.stderr


def test_usage_errors_exit_2(work):
    root, _ = work
    done = lincae("encode", root / "mixture.wav", root / "x.pt")                     # no --ckpt
    assert done.returncode == 2 and "--ckpt" in done.stderr
    assert lincae("frobnicate").returncode == 2
