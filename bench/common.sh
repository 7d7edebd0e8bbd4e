# Shared by the bench/ scripts (sourced, not run): installing wrk, building the relay and the benchmarks' class path,
# and reading figures out of EndToEndBenchmark's tables.

ensure_wrk() {
  if ! command -v wrk >/dev/null; then
    if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq wrk >/dev/null; else sudo apt-get install -y -qq wrk >/dev/null; fi
  fi
}

# Builds the jar and the test classes; sets cp, the class path that runs titorelay.bench.*.
build_benchmarks() {
  mvn -q -B package -DskipTests
  mvn -q -B test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/test-classpath.txt
  cp="target/test-classes:target/classes:$(cat target/test-classpath.txt)"
}

# The "sustained end to end" rate of an end-to-end table (file $1), in deliveries/s.
sustained() { grep -m1 'sustained end to end' "$1" | sed -E 's/.*\| ([0-9]+) deliveries\/s.*/\1/'; }

# The relay's CPU per delivery, all its threads (ingress + dispatch and sinks + JVM), of an end-to-end table (file $1).
relay_cpu() {
  grep -m1 'CPU per delivery: ingress' "$1" | sed -E 's/.*\| ([0-9]+) \/ ([0-9]+) \/ ([0-9]+) µs \|$/\1 \2 \3/' \
    | awk '{ print $1 + $2 + $3 }'
}
