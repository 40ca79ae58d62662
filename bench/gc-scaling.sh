#!/usr/bin/env bash
# Garbage collection and keyless verify on synthetic datastores of 1, 4 and 10 million chunks: time, peak
# resident memory, and the bytes per chunk of the known-chunk set (docs/performance.md, "How cost grows").
#
#   bench/gc-scaling.sh [CHUNKS...]        default: 1000000 4000000 10000000
#
# One datastore, built by dev.coffer.bench.SyntheticDatastore (benchmarks module) under
# BENCH_DIR/synthetic (default /tmp/coffer-bench/synthetic), grows from size to size (chunks are added,
# snapshots replaced) and is deleted at the end (KEEP=1 keeps it). It needs about 4 KiB of disk per chunk
# (one file system block per chunk file) plus 256 MiB of chunk directories, and as many free inodes as
# chunks. The JVM runs with a fixed heap (JAVA_OPTS, default "-XX:+UseSerialGC -Xmx512m"); a
# step that fails with them (out of heap) is run again with RETRY_OPTS (default -Xmx1g) and says so.
# Per size: create, sync, verify (every snapshot, keyless), gc (removes the 10% garbage), gc again
# (nothing left to remove).
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
root=$(dirname "$here")
. "$root/scripts/jdk.sh"
coffer_find_jdk || exit 2
BENCH_DIR=${BENCH_DIR:-/tmp/coffer-bench}
DIR="$BENCH_DIR/synthetic"
JAVA_OPTS=${JAVA_OPTS:-"-XX:+UseSerialGC -Xmx512m"}
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000000 4000000 10000000)
jar="$root/benchmarks/target/benchmarks.jar"
if [ ! -f "$jar" ]; then
  (cd "$root" && JAVA_HOME="$COFFER_JAVA_HOME" ./mvnw -q -B -DskipTests package -pl benchmarks -am)
fi
mkdir -p "$BENCH_DIR"
RETRY_OPTS=${RETRY_OPTS:-"-XX:+UseSerialGC -Xmx1g"}
# shellcheck disable=SC2086
run() { local opts=$1; shift; /usr/bin/time -f '  [%e s wall, %M KiB peak RSS]' "$COFFER_JAVA_HOME/bin/java" $opts \
  --enable-native-access=ALL-UNNAMED -cp "$jar" dev.coffer.bench.SyntheticDatastore "$@" 2>&1 | grep -v '^\s*at '; }
tool() {
  run "$JAVA_OPTS" "$@" && return 0
  echo "  ($1 failed with $JAVA_OPTS; again with $RETRY_OPTS)"
  run "$RETRY_OPTS" "$@"
}
echo "$(date -u +%Y-%m-%dT%H:%MZ) $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r), $(df -T "$BENCH_DIR" | awk 'NR==2 {print $2}'); JAVA_OPTS=$JAVA_OPTS"
set -o pipefail
rm -rf "$DIR"
for n in "${sizes[@]}"; do
  echo "== $n chunks"
  tool create "$DIR" "$n"
  s=$(date +%s.%N); sync; echo "  sync: $(echo "$(date +%s.%N) - $s" | bc) s"
  echo "  disk: $(du -s --block-size=1M "$DIR" | cut -f1) MiB"
  sleep 2 # chunks must be older than the collector's cutoff (start - 1 s)
  tool verify "$DIR"
  tool gc "$DIR"
  tool gc "$DIR"
done
if [ "${KEEP:-0}" != 1 ]; then
  s=$(date +%s.%N); rm -rf "$DIR"; echo "delete: $(echo "$(date +%s.%N) - $s" | bc) s"
fi
