#!/usr/bin/env bash
# One GPU window used to the minute (bench/gpu_run.py: the step benchmark against the authors, then the best tiny
# recipe trained at the largest batch that fits). The device machine has torch preinstalled and no network, so the
# project's other wheels travel with the working tree.
#
#   here, once:     bash bench/gpu.sh --download      # cp312 wheels into .gpu-wheels/ (git-ignored, ~27 MB; the tree travels in 64 MiB)
#   on the device:  bash bench/gpu.sh "$OUT" 8.5      # run tool, carry [".gpu-wheels", ".bench-deps"], timeout_s 600
#
# What comes back under $OUT: gpu_summary.json, the two compare_*.json, tiny-lin-cae-gpu.ckpt, train_log.jsonl,
# train_curve.png. Commit them under bench/results/gpu/ with the command.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
WHEELS=.gpu-wheels
PACKAGES=(soundfile tqdm matplotlib "fastcore<2" pyyaml)
DEPENDENCIES=(cffi pycparser contourpy cycler fonttools kiwisolver packaging pillow pyparsing python-dateutil six)   # numpy: the device image has it
if [ "${1:-}" = "--download" ]; then
    "$PYTHON" -m pip download --only-binary=:all: --python-version 3.12 --implementation cp \
        --platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux_2_28_x86_64 \
        --no-deps --dest "$WHEELS" "${PACKAGES[@]}" "${DEPENDENCIES[@]}"
    exit 0
fi
OUT=${1:?usage: bench/gpu.sh OUT [MINUTES] (or --download)}
MINUTES=${2:-8.5}
mkdir -p "$OUT"
"$PYTHON" -c "import torch; assert torch.cuda.is_available(), 'no GPU visible to torch'; print(torch.__version__, torch.cuda.get_device_name())"
"$PYTHON" -m pip install --quiet --no-index --find-links "$WHEELS" "${PACKAGES[@]}"
PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" "$PYTHON" bench/gpu_run.py --out "$OUT" --minutes "$MINUTES"
