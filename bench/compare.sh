#!/usr/bin/env bash
# Compares Coffer with restic and borg on this machine and prints the ratio table of docs/performance.md.
#
#   bench/compare.sh [--quick] [--runs N] [--parts a,b,coffer,scale] [--tools coffer,restic,borg] [--clean]
#
# Installs restic and borgbackup from the distribution's packages when they are missing (apt-get, as root).
# Builds, under BENCH_DIR (default /tmp/coffer-bench), and reuses on later calls:
#   corpus (a)  a copy of /usr/share and /usr/lib/jvm (CORPUS_SOURCES)
#   corpus (b)  a 2 GiB disk image of mixed 1-MiB blocks: text, binaries (bytes of the files under
#               /usr/lib/jvm), zeros, random (bench/BenchData.java, seed 1)
#   scale-K     K copies of (a), each but the first with every byte XORed with a different key, so that
#               nothing deduplicates across copies while sizes and compressibility stay those of (a)
# For every tool, RUNS times (the tools take turns within each run), on a fresh repository each time:
#   (a) first backup; re-backup with nothing changed; re-backup after 1% of the files changed (a third
#       with 1-4 KiB inserted at a random offset, a third with 1-16 KiB appended, a third deleted; the same
#       files every run, put back afterwards); full restore of that last snapshot into an empty directory
#   (b) first image backup; re-backup after 1% of its 1-MiB blocks were overwritten with random bytes;
#       full restore of the image
#   coffer alone: first backup of (a) with --crypt-mode none into another datastore, next to the encrypted
#   one (none first in even runs, so that neither always meets the cache the other left; the ratio is the
#   median of the runs' ratios); 'coffer --version'; 'coffer key show'
#   floor: 'cp -a' of (a) and 'cp' of the image into an empty directory, what any restore must at least do
#   restore (a) again into a journaled ext4 (an image file on a loop device with direct I/O, made once per call; only as root,
#   with mkfs.ext4 and a loop device; RESTORE_FS=none skips it), and 'cp -a' there as its floor. Where
#   BENCH_DIR's file system is ext4 without a journal, the kernel passes over inodes freed in the last 60
#   seconds (360 while their inode table block is dirty) each time it allocates one, and every restore
#   comes soon after the previous tool's 48,000 files were deleted: file creation there costs 100-800 µs
#   and the restore figures are mostly that. The second target shows what the tools themselves cost.
#   scale: first backup of 1x, 2x and 4x (a)
# Each command runs under /usr/bin/time (wall seconds, user and system CPU seconds, peak resident set)
# after a 'sync', so that no step pays for the previous one's writeback; every first backup's source is
# read once unmeasured just before it ('warm'), so each starts from a warm page cache. The tables show
# medians. Sizes are disk usage (du). The page cache is warm: caches cannot be dropped here, and every tool reads the same
# cached corpus.
#
# Settings: Coffer's defaults (encrypt, zstd-1, 4 MiB average chunks, a key file without passphrase from
# 'coffer key create --kdf none', the launcher's JVM settings); restic's defaults (repository v2, AES-256 +
# Poly1305, zstd 'auto'), password in RESTIC_PASSWORD; borg 'init --encryption repokey' (AES-256-CTR +
# HMAC-SHA256), 'create --compression zstd,1' (the same zstd level as Coffer), passphrase in
# BORG_PASSPHRASE. Nothing else is tuned.
#
# --quick: corpus (a) is /usr/share/doc, the image 128 MiB, one run, scales 1 and 2: a smoke test.
set -euo pipefail

here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
root=$(dirname "$here")
BENCH_DIR=${BENCH_DIR:-/tmp/coffer-bench}
RUNS=${RUNS:-3}
PARTS=a,b,coffer,scale
TOOLS=coffer,restic,borg
CORPUS_SOURCES=${CORPUS_SOURCES:-"/usr/share /usr/lib/jvm"}
IMAGE_MIB=${IMAGE_MIB:-2048}
IMAGE_BINARIES=${IMAGE_BINARIES:-/usr/lib/jvm}
SCALES=${SCALES:-"1 2 4"}
COFFER=${COFFER:-$root/coffer}
QUICK=0
CLEAN=0
args="$*"
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --runs) RUNS=$2; shift ;;
    --parts) PARTS=$2; shift ;;
    --tools) TOOLS=$2; shift ;;
    --clean) CLEAN=1 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "compare.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done
if [ "$QUICK" = 1 ]; then
  CORPUS_SOURCES=/usr/share/doc IMAGE_MIB=128 RUNS=1 SCALES="1 2"
  BENCH_DIR=${BENCH_DIR%/}-quick
fi
has() { case ",$1," in *",$2,"*) return 0 ;; *) return 1 ;; esac; }
say() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { echo "compare.sh: $*" >&2; exit 1; }

if [ "$CLEAN" = 1 ]; then
  rm -rf "$BENCH_DIR"; say "removed $BENCH_DIR"; exit 0
fi

# ---------------------------------------------------------------- tools

[ -x /usr/bin/time ] || { [ "$(id -u)" = 0 ] && apt-get install -y -q time >/dev/null; } || die "needs /usr/bin/time (apt-get install time)"
missing=()
has "$TOOLS" restic && ! command -v restic >/dev/null && missing+=(restic)
has "$TOOLS" borg && ! command -v borg >/dev/null && missing+=(borgbackup)
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || die "missing ${missing[*]}: run as root to install them, or install them yourself"
  say "installing ${missing[*]}"
  apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null
fi
. "$root/scripts/jdk.sh"
coffer_find_jdk || exit 2
JAVA="$COFFER_JAVA_HOME/bin/java"

mkdir -p "$BENCH_DIR"/{corpus,logs,tools,cache,work}
BENCH_DIR=$(cd "$BENCH_DIR" && pwd)
"$COFFER_JAVA_HOME/bin/javac" -d "$BENCH_DIR/tools" "$here/BenchData.java"
data() { "$JAVA" -cp "$BENCH_DIR/tools" BenchData "$@"; }

# a journaled ext4 for the second restore of (a); see the header
RFS=""
if has "$PARTS" a && [ "${RESTORE_FS:-}" != none ] && [ "$(id -u)" = 0 ] && command -v mkfs.ext4 >/dev/null \
    && command -v losetup >/dev/null; then
  RFS="$BENCH_DIR/restore-fs"
  mkdir -p "$RFS"
  mountpoint -q "$RFS" && umount "$RFS"
  rm -f "$BENCH_DIR/restore-fs.img"
  truncate -s 8G "$BENCH_DIR/restore-fs.img"
  # direct I/O on the backing file: the restored files are cached once, in the loop file system, not a
  # second time as pages of the image file (which would evict the corpus and the JDK for what follows)
  LOOPDEV=$(losetup --direct-io=on --find --show "$BENCH_DIR/restore-fs.img" 2>/dev/null || true)
  if [ -n "$LOOPDEV" ] && mkfs.ext4 -q -F "$LOOPDEV" && mount "$LOOPDEV" "$RFS"; then
    trap 'umount "$RFS" 2>/dev/null; losetup -d "$LOOPDEV" 2>/dev/null; rm -f "$BENCH_DIR/restore-fs.img"' EXIT
  else
    say "no journaled ext4 for the second restore (no loop device); skipping it"
    [ -n "$LOOPDEV" ] && losetup -d "$LOOPDEV"
    RFS=""
  fi
fi

stamp=$(date -u +%Y%m%dT%H%M%SZ)
RESULTS="$BENCH_DIR/results-$stamp.tsv"
TABLE="$BENCH_DIR/table-$stamp.md"
: >"$RESULTS"

export RESTIC_PASSWORD=coffer-bench-password RESTIC_CACHE_DIR="$BENCH_DIR/cache/restic"
export BORG_PASSPHRASE=coffer-bench-password BORG_BASE_DIR="$BENCH_DIR/cache/borg"
export BORG_RELOCATED_REPO_ACCESS_IS_OK=yes BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK=no
KEY="$BENCH_DIR/coffer-key.json"
unset COFFER_REPOSITORY COFFER_KEYFILE COFFER_KEY_PASSPHRASE

# ---------------------------------------------------------------- corpora

A="$BENCH_DIR/corpus/a"
IMG="$BENCH_DIR/corpus/disk.img"
if [ "$(cat "$A.done" 2>/dev/null)" != "$CORPUS_SOURCES" ]; then
  say "corpus (a): copying $CORPUS_SOURCES"
  rm -rf "$A" "$A.done"; mkdir -p "$A"
  for s in $CORPUS_SOURCES; do cp -a "$s" "$A/$(echo "${s#/}" | tr / _)"; done
  echo "$CORPUS_SOURCES" >"$A.done"
fi
if has "$PARTS" b && [ "$(cat "$IMG.done" 2>/dev/null)" != "$IMAGE_MIB $IMAGE_BINARIES" ]; then
  say "corpus (b): writing a $IMAGE_MIB MiB image"
  rm -f "$IMG.done"
  data image "$IMG" "$IMAGE_MIB" 1 $IMAGE_BINARIES >"$IMG.txt"
  echo "$IMAGE_MIB $IMAGE_BINARIES" >"$IMG.done"
fi
scale_dir() { if [ "$1" = 1 ]; then echo "$A"; else echo "$BENCH_DIR/corpus/scale-$1"; fi; }
if has "$PARTS" scale; then
  for k in $SCALES; do
    [ "$k" = 1 ] && continue
    d=$(scale_dir "$k")
    [ "$(cat "$d.done" 2>/dev/null)" = "$CORPUS_SOURCES" ] && continue
    say "corpus scale-$k: $k variants of (a)"
    rm -rf "$d"; mkdir -p "$d"
    cp -a "$A" "$d/v0"
    for ((v = 1; v < k; v++)); do data tree-variant "$A" "$d/v$v" $((v * 37 % 255 + 1)); done
    echo "$CORPUS_SOURCES" >"$d.done"
  done
fi

# ---------------------------------------------------------------- measuring

# measure TOOL KEY RUN CMD...: wall seconds, CPU seconds and peak RSS (KiB) of CMD into the results
measure() {
  local tool=$1 key=$2 run=$3 rc=0 line wall rss user sys
  shift 3
  local log="$BENCH_DIR/logs/$tool-$key-$run.log"
  sync # the previous step's writeback must not slow this one down
  /usr/bin/time -f '%e %M %U %S' -o "$BENCH_DIR/.time" "$@" >"$log" 2>&1 || rc=$?
  if [ "$rc" != 0 ] && ! { [ "$tool" = borg ] && [ "$rc" = 1 ]; }; then # borg: 1 = finished with warnings
    tail -20 "$log" >&2
    die "$tool $key (run $run) failed with exit code $rc; log: $log"
  fi
  line=$(tail -1 "$BENCH_DIR/.time")
  read -r wall rss user sys <<<"$line"
  printf '%s\t%s.wall\t%s\t%s\n%s\t%s.rss\t%s\t%s\n%s\t%s.cpu\t%s\t%s\n' "$tool" "$key" "$run" "$wall" \
    "$tool" "$key" "$run" "$rss" "$tool" "$key" "$run" "$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')" >>"$RESULTS"
  say "  $tool $key: ${wall}s wall, $(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')s CPU, $((rss / 1024)) MiB"
}
record() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$RESULTS"; }
du_bytes() { du -s --block-size=1 "$1" | cut -f1; }

init_repo() { # TOOL REPO
  rm -rf "$2" "$BENCH_DIR/cache"/*
  case "$1" in
    coffer) : ;; # the first backup creates the datastore
    restic) restic -r "$2" init -q >/dev/null ;;
    borg) borg init --encryption=repokey "$2" >/dev/null 2>&1 ;;
  esac
}
# Reads a source once, unmeasured, so that a first backup finds it in the page cache whatever ran before
# (the restores and the image evict it: this guest's page cache holds about 2 GiB).
warm() { find "$1" -type f -print0 | xargs -0 -r cat >/dev/null 2>&1 || true; }
backup() { # TOOL KEY RUN REPO ARCHIVE-NAME SOURCE [coffer options]
  local tool=$1 key=$2 run=$3 repo=$4 name=$5 src=$6
  shift 6
  case "$tool" in
    coffer) measure coffer "$key" "$run" env COFFER_REPOSITORY="$repo" COFFER_KEYFILE="$KEY" "$COFFER" backup --quiet --backup-id bench "$@" "$name:$src" ;;
    restic) measure restic "$key" "$run" restic -r "$repo" backup -q "$src" ;;
    borg) measure borg "$key" "$run" borg create --compression zstd,1 "$repo::$key-$run" "$src" ;;
  esac
  LAST_BORG="$key-$run"
}
restore() { # TOOL KEY RUN REPO ARCHIVE-NAME TARGET-DIR
  local tool=$1 key=$2 run=$3 repo=$4 name=$5 target=$6
  rm -rf "$target"; mkdir -p "$target"
  case "$tool" in
    coffer)
      if [[ $name == *.img ]]; then
        measure coffer "$key" "$run" env COFFER_REPOSITORY="$repo" COFFER_KEYFILE="$KEY" "$COFFER" restore --quiet latest "$name" "$target/disk.img"
      else
        measure coffer "$key" "$run" env COFFER_REPOSITORY="$repo" COFFER_KEYFILE="$KEY" "$COFFER" restore --quiet latest "$name" "$target/a"
      fi ;;
    restic) measure restic "$key" "$run" restic -r "$repo" restore latest -q --target "$target" ;;
    borg) measure borg "$key" "$run" sh -c 'cd "$1" && exec borg extract "$2"' sh "$target" "$repo::$LAST_BORG" ;;
  esac
  rm -rf "$target"
}

# ---------------------------------------------------------------- runs

say "warming up coffer (build if needed, class-data archive)"
"$COFFER" --version >/dev/null
"$COFFER" --version >/dev/null
[ -f "$KEY" ] || "$COFFER" key create --kdf none --keyfile "$KEY" >/dev/null 2>&1
IFS=, read -r -a tools <<<"$TOOLS"
W="$BENCH_DIR/work"

for ((run = 1; run <= RUNS; run++)); do
  if has "$PARTS" a; then
    for tool in "${tools[@]}"; do
      say "run $run, corpus (a), $tool"
      repo="$W/repo-$tool"
      none_first=$([ "$tool" = coffer ] && has "$PARTS" coffer && [ $((run % 2)) = 0 ] && echo yes || true)
      if [ -n "$none_first" ]; then
        init_repo coffer "$repo-none"
        warm "$A"
        backup coffer a.first.none "$run" "$repo-none" a.cfar "$A" --crypt-mode none
        rm -rf "$repo-none"
      fi
      init_repo "$tool" "$repo"
      warm "$A"
      backup "$tool" a.first "$run" "$repo" a.cfar "$A"
      record "$tool" a.first.size "$run" "$(du_bytes "$repo")"
      if [ "$tool" = coffer ] && has "$PARTS" coffer && [ -z "$none_first" ]; then
        init_repo coffer "$repo-none"
        warm "$A"
        backup coffer a.first.none "$run" "$repo-none" a.cfar "$A" --crypt-mode none
        rm -rf "$repo-none"
      fi
      backup "$tool" a.nochange "$run" "$repo" a.cfar "$A"
      before=$(du_bytes "$repo")
      rm -rf "$W/saved"
      data tree-change "$A" "$W/saved" 10 42 >"$BENCH_DIR/logs/change-a.txt"
      backup "$tool" a.change "$run" "$repo" a.cfar "$A"
      record "$tool" a.change.newbytes "$run" $(($(du_bytes "$repo") - before))
      cp -a "$W/saved/." "$A/"
      rm -rf "$W/saved"
      restore "$tool" a.restore "$run" "$repo" a.cfar "$W/restore"
      [ -n "$RFS" ] && restore "$tool" a.restore.jfs "$run" "$repo" a.cfar "$RFS/t"
      rm -rf "$repo"
    done
    rm -rf "$W/restore"; mkdir -p "$W/restore"
    measure cp a.restore "$run" cp -a "$A" "$W/restore/a"
    rm -rf "$W/restore"
    if [ -n "$RFS" ]; then
      mkdir -p "$RFS/t"
      measure cp a.restore.jfs "$run" cp -a "$A" "$RFS/t/a"
      rm -rf "$RFS/t"
    fi
  fi
  if has "$PARTS" b; then
    for tool in "${tools[@]}"; do
      say "run $run, corpus (b), $tool"
      repo="$W/repo-$tool"
      init_repo "$tool" "$repo"
      cp --sparse=never "$IMG" "$W/disk.img"
      warm "$W/disk.img"
      backup "$tool" b.first "$run" "$repo" disk.img "$W/disk.img"
      before=$(du_bytes "$repo")
      record "$tool" b.first.size "$run" "$before"
      data image-change "$W/disk.img" 1 42 >"$BENCH_DIR/logs/change-b.txt"
      backup "$tool" b.change "$run" "$repo" disk.img "$W/disk.img"
      record "$tool" b.change.newbytes "$run" $(($(du_bytes "$repo") - before))
      restore "$tool" b.restore "$run" "$repo" disk.img "$W/restore"
      rm -rf "$repo" "$W/disk.img"
    done
    rm -rf "$W/restore"; mkdir -p "$W/restore"
    measure cp b.restore "$run" cp --sparse=never "$IMG" "$W/restore/disk.img"
    rm -rf "$W/restore"
  fi
  if has "$PARTS" coffer && has "$TOOLS" coffer; then
    say "run $run, coffer alone"
    measure coffer version "$run" "$COFFER" --version
    measure coffer keyshow "$run" env COFFER_KEYFILE="$KEY" "$COFFER" key show
  fi
  if has "$PARTS" scale && has "$TOOLS" coffer; then
    for k in $SCALES; do
      say "run $run, scale ${k}x"
      repo="$W/repo-coffer-scale"
      init_repo coffer "$repo"
      warm "$(scale_dir "$k")" # what does not fit the page cache is still partly read from disk
      backup coffer "scale$k.first" "$run" "$repo" s.cfar "$(scale_dir "$k")"
      record coffer "scale$k.bytes" "$run" "$(du -s --block-size=1 --apparent-size "$(scale_dir "$k")" | cut -f1)"
      rm -rf "$repo"
    done
  fi
done

# ---------------------------------------------------------------- table

{
  echo "## Coffer vs restic and borg"
  echo
  echo "- date: $(date -u +%Y-%m-%dT%H:%MZ); command: \`bench/compare.sh $args\` (BENCH_DIR=$BENCH_DIR)"
  echo "- machine: $(nproc) cores ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr), $(df -T "$BENCH_DIR" | awk 'NR==2 {print $2}') under $BENCH_DIR; page cache warm"
  echo "- versions: $("$COFFER" --version 2>&1 | head -1); $(restic version 2>/dev/null | cut -d' ' -f1-2); $(borg --version 2>/dev/null); $("$JAVA" -version 2>&1 | head -1)"
  echo "- corpus (a): $(data stats "$A"); (b): $(cat "$IMG.txt" 2>/dev/null | sed 's/^image [^:]*: //')"
  echo "- $RUNS run(s) each; medians; sizes are disk usage; MB = 10^6 bytes, RSS in MiB"
  echo
} >"$TABLE"
awk -F'\t' -v tools="$TOOLS" '
function median(key,   n, i, j, t, v) {
  n = split(vals[key], v, " ")
  if (n == 0 || vals[key] == "") return ""
  for (i = 2; i <= n; i++) { t = v[i] + 0; for (j = i - 1; j >= 1 && v[j] + 0 > t; j--) v[j + 1] = v[j]; v[j + 1] = t }
  return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
}
function fmt(x, unit) {
  if (x == "") return "—"
  if (unit == "MB") return sprintf("%.1f", x / 1e6)
  if (unit == "MiB") return sprintf("%.0f", x / 1024)
  return sprintf("%.2f", x)
}
# the median over runs of coffer KEY ÷ coffer KEY-with-.none (e.g. a.first.wall ÷ a.first.none.wall)
function runratio(key,   base, r, list, x, y) {
  base = key; sub(/\.[a-z]+$/, "", base); list = ""
  for (r = 1; r <= 100; r++) {
    x = byrun["coffer|" key "|" r]; y = byrun["coffer|" base ".none" substr(key, length(base) + 1) "|" r]
    if (x != "" && y != "" && y + 0 > 0) list = list (list == "" ? "" : " ") (x / y)
  }
  vals["ratio|" key] = list
  return median("ratio|" key)
}
function ratio(a, b) { return (a == "" || b == "" || b + 0 == 0) ? "" : a / b }
function cpurow(label, key,   c, r, b, rr, rb) {
  c = median("coffer|" key); r = median("restic|" key); b = median("borg|" key)
  if (c == "" && r == "" && b == "") return
  rr = ratio(c, r); rb = ratio(c, b)
  printf "| %s | %s | %s | %s | %s | %s |\n", label, fmt(c, "s"), fmt(r, "s"), fmt(b, "s"),
    rr == "" ? "—" : sprintf("%.2f", rr), rb == "" ? "—" : sprintf("%.2f", rb)
}
function row(label, key, unit, target,   c, r, b, rr, rb, met) {
  c = median("coffer|" key); r = median("restic|" key); b = median("borg|" key)
  if (c == "" && r == "" && b == "") return
  rr = ratio(c, r); rb = ratio(c, b)
  # the targets are against restic (against borg only when restic did not run); "and borg" says when the
  # figure is within the target against both
  met = ""
  if (target != "" && rr != "") met = (rr <= target + 0) ? ((rb != "" && rb <= target + 0) ? "yes, and borg" : "yes") : "no"
  else if (target != "" && rb != "") met = (rb <= target + 0) ? "yes (borg)" : "no (borg)"
  printf "| %s | %s | %s | %s | %s | %s | ≤ %s | %s |\n", label, fmt(c, unit), fmt(r, unit), fmt(b, unit),
    rr == "" ? "—" : sprintf("%.2f", rr), rb == "" ? "—" : sprintf("%.2f", rb), target, met
}
{ k = $1 "|" $2; vals[k] = (k in vals) ? vals[k] " " $4 : $4; byrun[k "|" $3] = $4 }
END {
  print "| figure | Coffer | restic | borg | Coffer ÷ restic | Coffer ÷ borg | target | met (vs restic) |"
  print "|---|---|---|---|---|---|---|---|"
  row("(a) first backup, wall s", "a.first.wall", "s", "0.33")
  row("(a) datastore size, MB", "a.first.size", "MB", "1.10")
  row("(a) re-backup, nothing changed, wall s", "a.nochange.wall", "s", "0.50")
  row("(a) re-backup after 1% changed, wall s", "a.change.wall", "s", "0.50")
  row("(a) new datastore bytes after 1% changed, MB", "a.change.newbytes", "MB", "2.0")
  row("(a) full restore, wall s", "a.restore.wall", "s", "0.50")
  row("(a) first backup, peak RSS MiB", "a.first.rss", "MiB", "1.00")
  row("(a) re-backup, nothing changed, peak RSS MiB", "a.nochange.rss", "MiB", "1.00")
  row("(a) re-backup after 1% changed, peak RSS MiB", "a.change.rss", "MiB", "1.00")
  row("(a) full restore, peak RSS MiB", "a.restore.rss", "MiB", "1.00")
  row("(a) full restore into a journaled ext4, wall s", "a.restore.jfs.wall", "s", "0.50")
  row("(a) full restore into a journaled ext4, peak RSS MiB", "a.restore.jfs.rss", "MiB", "1.00")
  row("(b) first image backup, wall s", "b.first.wall", "s", "0.33")
  row("(b) datastore size, MB", "b.first.size", "MB", "1.10")
  row("(b) re-backup after 1% of blocks changed, wall s", "b.change.wall", "s", "0.50")
  row("(b) new datastore bytes after 1% changed, MB", "b.change.newbytes", "MB", "2.0")
  row("(b) image restore, wall s", "b.restore.wall", "s", "0.50")
  row("(b) first image backup, peak RSS MiB", "b.first.rss", "MiB", "1.00")
  row("(b) re-backup after 1% changed, peak RSS MiB", "b.change.rss", "MiB", "1.00")
  row("(b) image restore, peak RSS MiB", "b.restore.rss", "MiB", "1.00")
  print ""
  print "CPU seconds (user + system) of the same runs: what the work costs, whatever else the machine was doing."
  print ""
  print "| figure, CPU s | Coffer | restic | borg | Coffer ÷ restic | Coffer ÷ borg |"
  print "|---|---|---|---|---|---|"
  cpurow("(a) first backup", "a.first.cpu")
  cpurow("(a) re-backup, nothing changed", "a.nochange.cpu")
  cpurow("(a) re-backup after 1% changed", "a.change.cpu")
  cpurow("(a) full restore", "a.restore.cpu")
  cpurow("(a) full restore into a journaled ext4", "a.restore.jfs.cpu")
  cpurow("(b) first image backup", "b.first.cpu")
  cpurow("(b) re-backup after 1% changed", "b.change.cpu")
  cpurow("(b) image restore", "b.restore.cpu")
  fa = median("cp|a.restore.wall"); fb = median("cp|b.restore.wall")
  if (fa != "" || fb != "") {
    print ""
    if (fa != "") printf "Floor for restores: `cp -a` of corpus (a) into an empty directory takes %.2f s wall (%.2f s CPU, medians).\n", fa, median("cp|a.restore.cpu")
    fj = median("cp|a.restore.jfs.wall")
    if (fj != "") printf "Into the journaled ext4: %.2f s wall (%.2f s CPU).\n", fj, median("cp|a.restore.jfs.cpu")
    if (fb != "") printf "Floor for image restores: `cp` of the image takes %.2f s wall (%.2f s CPU).\n", fb, median("cp|b.restore.cpu")
  }
  e = median("coffer|a.first.wall"); n = median("coffer|a.first.none.wall")
  v = median("coffer|version.wall"); s = median("coffer|keyshow.wall")
  if (n != "" || v != "") {
    print ""
    print "| Coffer alone | median | target | met |"
    print "|---|---|---|---|"
    rw = runratio("a.first.wall"); rc = runratio("a.first.cpu")
    if (n != "" && e != "") printf "| (a) first backup, encrypt ÷ none, wall (medians %.2f s and %.2f s; median of the runs\x27 ratios) | %.2f | ≤ 1.05 | %s |\n", e, n, rw, (rw <= 1.05 ? "yes" : "no")
    ec = median("coffer|a.first.cpu"); nc = median("coffer|a.first.none.cpu")
    if (nc != "" && ec != "") printf "| (a) first backup, encrypt ÷ none, CPU (medians %.2f s and %.2f s; median of the runs\x27 ratios) | %.2f | ≤ 1.05 | %s |\n", ec, nc, rc, (rc <= 1.05 ? "yes" : "no")
    if (v != "") printf "| `coffer --version`, wall s | %.2f | < 0.4 | %s |\n", v, (v < 0.4 ? "yes" : "no")
    if (s != "") printf "| `coffer key show`, wall s | %.2f | < 0.4 | %s |\n", s, (s < 0.4 ? "yes" : "no")
  }
  base = median("coffer|scale1.first.wall"); braw = median("coffer|scale1.bytes")
  if (base != "") {
    print ""
    cbase = median("coffer|scale1.first.cpu")
    print "| Coffer first backup of K × (a) | GB read | wall s | wall ÷ (K × 1× wall) | CPU s | CPU ÷ (K × 1× CPU) | peak RSS MiB |"
    print "|---|---|---|---|---|---|---|"
    for (k = 1; k <= 64; k++) {
      w = median("coffer|scale" k ".first.wall"); if (w == "") continue
      c = median("coffer|scale" k ".first.cpu")
      printf "| %d× | %.2f | %.2f | %.2f | %.2f | %.2f | %.0f |\n", k, median("coffer|scale" k ".bytes") / 1e9, w, w / (k * base), c, c / (k * cbase), median("coffer|scale" k ".first.rss") / 1024
    }
  }
}' "$RESULTS" >>"$TABLE"
echo >&2
cat "$TABLE"
say "results: $RESULTS; table: $TABLE; logs: $BENCH_DIR/logs"
