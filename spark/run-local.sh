#!/usr/bin/env bash
# Runs the Spark job on this machine without a Spark installation, e.g.
#   spark/run-local.sh --master 'local[2]' --requests requests.csv --model testdata/models/mnist/class-epoch20.onnx --out out/spark
# after `mvn -B -q -pl spark -am package -DskipTests` (which writes spark/target/classpath.txt).
# The --add-opens flags are those Spark passes to a Java 17 JVM itself (as the module's tests do).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [[ ! -f "$here/target/classpath.txt" ]]; then
  echo "run 'mvn -B -q -pl spark -am package -DskipTests' first" >&2
  exit 1
fi
opens=(-XX:+IgnoreUnrecognizedVMOptions -Djdk.reflect.useDirectMethodHandle=false)
for p in java.lang java.lang.invoke java.lang.reflect java.io java.net java.nio java.util \
  java.util.concurrent java.util.concurrent.atomic sun.nio.ch sun.nio.cs sun.security.action \
  sun.util.calendar; do
  opens+=("--add-opens=java.base/$p=ALL-UNNAMED")
done
exec java "${opens[@]}" -Dlog4j2.level=warn ${JAVA_OPTS:-} \
  -cp "$here/target/classes:$(cat "$here/target/classpath.txt")" dev.diffusion4j.spark.Main "$@"
