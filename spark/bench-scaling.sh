#!/usr/bin/env bash
# Scaling of the Spark job on this machine: local[1] vs local[2], then a standalone cluster of one
# worker vs two (one core each), the same requests through spark-submit with the bundle, and the
# CPU-seconds a digit with DPM-Solver++ 20 and DDPM 300 (the cost of a million digits). Prints the
# load average before and after each run: run it on a quiet machine. From the repository root:
#   mvn -B -q -pl spark -am package -DskipTests
#   spark/bench-scaling.sh            # or: spark/bench-scaling.sh DIGITS SAMPLER STEPS DDPM_DIGITS
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ ! -f spark/target/classpath.txt || ! -f spark/target/diffusion4j-spark-bundle.jar ]]; then
  echo "run 'mvn -B -q -pl spark -am package -DskipTests' first" >&2
  exit 1
fi
opens=(-XX:+IgnoreUnrecognizedVMOptions -Djdk.reflect.useDirectMethodHandle=false)
for p in java.lang java.lang.invoke java.lang.reflect java.io java.net java.nio java.util \
  java.util.concurrent java.util.concurrent.atomic sun.nio.ch sun.nio.cs sun.security.action \
  sun.util.calendar; do
  opens+=("--add-opens=java.base/$p=ALL-UNNAMED")
done
exec java "${opens[@]}" \
  -cp "spark/target/test-classes:spark/target/classes:$(cat spark/target/classpath.txt)" \
  dev.diffusion4j.spark.ScalingBenchmark "$@"
