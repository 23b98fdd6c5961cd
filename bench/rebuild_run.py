"""Rebuild a finished run folder from an exported checkpoint, so a later stage (`init_from`) or 05a's papermill run
can continue from it in a session that does not have the original `runs/` (they are not kept between sessions).

    python bench/rebuild_run.py EXPORT JOINED_LOG OUT_DIR --from-step A --to-step B

EXPORT is a checkpoint written by `export_model` (EMA weights, step, train_config). OUT_DIR gets `last.ckpt` (those EMA
weights as both model and EMA weights, a fresh optimizer state, the export's step and train_config), `config.json`
and `log.jsonl`: the records of JOINED_LOG (a log written by 05a, both stages counted on as `joined_log` does) that
belong to steps A..B of the joined count, shifted back to this stage's own steps and training seconds. A later stage
reads only the EMA weights, so it starts exactly where the original one did; resuming a rebuilt stage itself would
not be exact (its optimizer state is fresh), so this refuses an export whose run did not finish."""
import argparse, copy, json, sys
from dataclasses import fields
from pathlib import Path
import torch
from lincae.model import CAE, read_checkpoint
from lincae.train import TrainConfig, checkpoint_payload, write_checkpoints


def stage_records(joined: list[dict], first: int, last: int) -> list[dict]:
    """The records of one stage (joined steps `first`..`last`), in the stage's own count. A validation record at
    `first` belongs to the stage before (it scores that stage's end); a loss record at `first` is this stage's step 0."""
    mine = [r for r in joined if (first <= r["step"] < last if "loss" in r else first < r["step"] <= last)]
    seconds0 = max((r["train_seconds"] for r in joined if r["step"] <= first and "val_mel" in r), default=0.0)
    return [{**r, "step": r["step"] - first, "train_seconds": r["train_seconds"] - seconds0} for r in mine]


def rebuild(export: Path, joined_log: Path, out: Path, first: int, last: int) -> Path:
    saved = read_checkpoint(export)
    known = {f.name for f in fields(TrainConfig)}
    cfg = TrainConfig(**{k: v for k, v in saved["train_config"].items() if k in known})
    if saved["step"] != cfg.steps or last - first != cfg.steps:
        sys.exit(f"{export}: step {saved['step']} of a {cfg.steps}-step run, log slice {first}..{last}: "
                 "only a finished stage can be rebuilt")
    model = CAE.load(export)
    ema = copy.deepcopy(model).requires_grad_(False).eval()            # as `train` makes its EMA copy
    opt = torch.optim.RAdam([p for p in model.parameters() if p.requires_grad], lr=cfg.lr, foreach=True)
    records = stage_records([json.loads(line) for line in joined_log.read_text().splitlines()], first, last)
    out.mkdir(parents=True, exist_ok=True)
    (out / "config.json").write_text(json.dumps(saved["train_config"], indent=1))
    (out / "log.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    seconds = max(r["train_seconds"] for r in records)
    write_checkpoints(out, {**checkpoint_payload(model, ema, opt, None, cfg.steps, cfg), "train_seconds": seconds}, 0)
    return out


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("export", type=Path); p.add_argument("joined_log", type=Path); p.add_argument("out", type=Path)
    p.add_argument("--from-step", type=int, required=True); p.add_argument("--to-step", type=int, required=True)
    a = p.parse_args()
    print(rebuild(a.export, a.joined_log, a.out, a.from_step, a.to_step))
