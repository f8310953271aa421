#!/bin/sh
# What exitKill=true's guard costs and how fast it acts, on a fresh JVM each time (see src/GuardCost.java):
# the first process start's time with exitKill=true against exitKill=false (alternated, same run), the guard's
# RSS/PSS and idle CPU, how long after the first start's beginning the guard's pipe is held outside the JVM (the
# start-up window), and the time from SIGKILL of the JVM to its 50-process tree gone.
# Usage: bench/guard.sh [runs]   (JAVA_HOME picks the JDK, TREEKILL_AGENT another agent jar; build the agent first:
# mvn -DskipTests package)
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
RUNS=${1:-5}
JBIN=${JAVA_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}/bin
AGENT=${TREEKILL_AGENT:-$HERE/../agent/target/treekill-agent.jar}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
"$JBIN/javac" -d "$OUT" "$HERE/src/GuardCost.java"
# The first start alone, 3x RUNS alternating runs each: the medians.
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
i=0; : > "$OUT/off"; : > "$OUT/on"
while [ $i -lt $((3 * RUNS)) ]; do
    "$JBIN/java" -javaagent:"$AGENT" -cp "$OUT" GuardCost firststart >> "$OUT/off"
    "$JBIN/java" -javaagent:"$AGENT"=exitKill=true -cp "$OUT" GuardCost firststart >> "$OUT/on"
    i=$((i + 1))
done
echo "first start, median of $((3 * RUNS)): exitKill=false $(median < "$OUT/off") us, exitKill=true $(median < "$OUT/on") us"
# The start-up window: from the first start's beginning until a process outside the JVM holds the guard's pipe.
i=0; : > "$OUT/window"
while [ $i -lt $((3 * RUNS)) ]; do
    "$JBIN/java" -javaagent:"$AGENT"=exitKill=true -cp "$OUT" GuardCost window >> "$OUT/window"
    i=$((i + 1))
done
echo "covered after (us from the first start's beginning), median of $((3 * RUNS)): \
$(sed 's/.*covered_after_us=\([0-9-]*\).*/\1/' "$OUT/window" | median) (first start $(sed 's/first_start_us=\([0-9]*\).*/\1/' "$OUT/window" | median) us);\
 launcher or guard forked before the start's child in $(grep -c 'holder_before_child=true' "$OUT/window") of $((3 * RUNS))"
i=0
while [ $i -lt "$RUNS" ]; do
    printf 'exitKill=false '; "$JBIN/java" -javaagent:"$AGENT" -cp "$OUT" GuardCost first
    printf 'exitKill=true  '; "$JBIN/java" -javaagent:"$AGENT"=exitKill=true -cp "$OUT" GuardCost first
    "$JBIN/java" -cp "$OUT" GuardCost kill "$JBIN/java" "$AGENT"
    i=$((i + 1))
done
