"""Does bf16 autocast train as well as fp32? The study's default variant ("uniform, σ_max 10": tiny, Lin-CAE, 400 steps
of batch 8, seed 0, lr 1e-3; its configuration is read from bench/results/study.json) trained in the precision given,
into runs/precision/<precision>/; its log.jsonl holds the held-out validation curve (6 songs, 1-step decodes, EMA).

    OMP_NUM_THREADS=1 .venv/bin/python bench/precision_twins.py fp32
    OMP_NUM_THREADS=1 .venv/bin/python bench/precision_twins.py bf16
    .venv/bin/python bench/precision_twins.py --collect bench/results/precision_convergence_cpu.json
"""
import json, sys
from pathlib import Path
from lincae.train import TrainConfig, train, read_log

ROOT = Path(__file__).resolve().parents[1]
RUNS = ROOT / "runs" / "precision"

if sys.argv[1] == "--collect":
    out = {"command": "bench/precision_twins.py fp32; bench/precision_twins.py bf16 (one thread each)", "runs": {}}
    for p in ("fp32", "bf16"):
        recs = read_log(RUNS / p)
        out["runs"][p] = {"validation": [r for r in recs if "val_mel" in r], "skipped_steps": sum(bool(r.get("skipped")) for r in recs)}
        print(p, [(r["step"], round(r["val_mel"], 3), round(r["train_seconds"])) for r in out["runs"][p]["validation"]])
    Path(sys.argv[2]).write_text(json.dumps(out, indent=1, ensure_ascii=False))
else:
    cfg = json.loads((ROOT / "bench/results/study.json").read_text())["variants"]["uniform, σ_max 10"]["config"]
    cfg.update(precision=sys.argv[1], out_dir=str(RUNS / sys.argv[1]))
    print(train(TrainConfig(**cfg)))
