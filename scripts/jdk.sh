# Sourced by ./coffer and scripts/test: sets COFFER_JAVA_HOME to a JDK 25 or newer, or fails with one line.
# Looks at JAVA_HOME, then the java on PATH, then /usr/lib/jvm/*. Reads each JDK's `release` file,
# so finding it costs no JVM start.
coffer_jdk_major() {
  local rel="$1/release" v
  [ -f "$rel" ] && [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 1
  v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$rel")
  [ -n "$v" ] && echo "$v"
}
coffer_find_jdk() {
  local cand major onpath=""
  if command -v java >/dev/null 2>&1; then
    onpath=$(readlink -f "$(command -v java)"); onpath=${onpath%/bin/java}
  fi
  for cand in "${JAVA_HOME:-}" "$onpath" /usr/lib/jvm/*; do
    [ -n "$cand" ] && [ -d "$cand" ] || continue
    major=$(coffer_jdk_major "$cand") || continue
    if [ "$major" -ge 25 ] 2>/dev/null; then COFFER_JAVA_HOME="$cand"; return 0; fi
  done
  echo "coffer: no JDK 25 found (looked at JAVA_HOME, the java on PATH and /usr/lib/jvm); install one, e.g. 'apt-get install openjdk-25-jdk', or set JAVA_HOME" >&2
  return 1
}
