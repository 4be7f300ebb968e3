#!/usr/bin/env bash
# Measures the quality figures of the shipped MNIST models through the Java samplers:
#   class model: share of samples classified as the requested digit (guidance 5, 300 steps)
#   time model:  share of samples the classifier assigns to a digit with confidence > 0.9, digits present
#                (time60k-epoch20, the default of mnist-sample --model time)
#   denoiser:    MSE at sigma = 0.5 on the 1,000 held-out digits against the best Gaussian blur
# Usage: onnx-export/mnist/evaluate.sh [PER_DIGIT=100] [TIME_COUNT=500] [OUT=target/evaluation]
# THREADS=N limits ONNX Runtime to N threads per operator (default: it chooses).
# JUDGE=FILE picks the classifier weights (default onnx-export/mnist/runs/classifier.pt).
# TIME_MODEL=FILE samples another time model (default: the one mnist-sample uses).
# Needs the examples jar (mvn -B -q install -DskipTests) and the classifier (classifier.py train).
set -euo pipefail
cd "$(dirname "$0")/../.."
per_digit=${1:-100}
time_count=${2:-500}
out=${3:-target/evaluation}
jar=examples/target/diffusion4j-examples.jar
py=/usr/bin/python3
judge=${JUDGE:-onnx-export/mnist/runs/classifier.pt}
mkdir -p "$out"
java -jar "$jar" mnist-sample --model class --per-digit "$per_digit" --guidance 5 --steps 300 --seed 1 --threads "${THREADS:-0}" --out "$out/class"
java -jar "$jar" mnist-sample --model time --count "$time_count" --steps 300 --seed 1 --threads "${THREADS:-0}" ${TIME_MODEL:+--model-file "$TIME_MODEL"} --out "$out/time"
$py onnx-export/mnist/classifier.py eval --weights "$judge" --class-dir "$out/class" --json "$out/class.json"
$py onnx-export/mnist/classifier.py eval --weights "$judge" --time-dir "$out/time" --json "$out/time.json"
java -jar "$jar" mnist-evaluate-denoiser --epoch 10 | tee "$out/denoiser.json"
