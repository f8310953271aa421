#!/usr/bin/env bash
# treekill benchmark: how long a tree kill takes with the JDK, hand-written JDK code, psutil, a C floor
# and the agent, on the same trees; and what the agent adds to JVM start-up. See bench/README.md.
# Run on purpose; it is not part of the Maven build or CI.
#
# Environment: REPS (5), SIZES ("10 100 1000"), STARTUP_RUNS (21), RUN_TIMEOUT (120 s per process),
# AGENT_JAR (agent/target/treekill-agent.jar), AGENT_OPTS (options for the kill runs, e.g. log=info;
# the agent's lines then land in bench/out/stderr.log), JAVA_HOME (else the java on PATH),
# ONLY (kill or startup: that table alone), BASELINE_JAR (another build of the agent, e.g. main's, measured
# as one more start-up variant in the same alternation).
set -euo pipefail
export LC_ALL=C # a '.' decimal separator in $EPOCHREALTIME and printf

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$BENCH")
BUILD=$BENCH/build
OUT=$BENCH/out
REPS=${REPS:-5}
SIZES=${SIZES:-10 100 1000}
STARTUP_RUNS=${STARTUP_RUNS:-21}
ONLY=${ONLY:-}
if [[ -n $ONLY && $ONLY != kill && $ONLY != startup ]]; then
    echo "ONLY must be kill or startup, not '$ONLY'" >&2
    exit 2
fi
RUN_TIMEOUT=${RUN_TIMEOUT:-120}
PY=/usr/bin/python3
if [[ -n ${JAVA_HOME:-} ]]; then
    JBIN=$JAVA_HOME/bin
else
    JBIN=$(dirname "$(readlink -f "$(command -v java)")")
fi

log() { echo "$*" >&2; }

build() {
    mkdir -p "$BUILD/classes" "$BUILD/empty-agent" "$OUT"
    local cc=(gcc -O2 -Wall -Wextra)
    "${cc[@]}" -o "$BUILD/treegen" "$BENCH/treegen.c" "$BENCH/proctree.c"
    "${cc[@]}" -o "$BUILD/cfloor" "$BENCH/cfloor.c" "$BENCH/proctree.c"
    "$JBIN/javac" -d "$BUILD/classes" "$BENCH"/src/{BenchKill,StartNone,StartOneChild}.java
    "$JBIN/javac" -d "$BUILD/empty-agent" "$BENCH/src/EmptyAgent.java"
    printf 'Premain-Class: EmptyAgent\n' >"$BUILD/empty-agent.mf"
    "$JBIN/jar" --create --file "$BUILD/empty-agent.jar" --manifest "$BUILD/empty-agent.mf" -C "$BUILD/empty-agent" .
}

# The agent jar is copied, so that a rebuild during the run cannot change or break it half-way. The copy
# keeps the name: the manifest's Boot-Class-Path names the jar relative to its own directory.
agent_jar() {
    local src=${AGENT_JAR:-$REPO/agent/target/treekill-agent.jar}
    if [[ ! -f $src && -z ${AGENT_JAR:-} ]]; then
        log "$src missing: building it"
        (cd "$REPO" && mvn -B -q -pl mbeans,agent -am package -DskipTests) >&2 || true
    fi
    if [[ -f $src ]]; then
        mkdir -p "$BUILD/agent"
        cp "$src" "$BUILD/agent/treekill-agent.jar"
        echo "$BUILD/agent/treekill-agent.jar"
    else
        log "no agent jar ($src): skipping the agent row and start-up column"
    fi
}

# The command of one measurement: a fresh process that prints "result ... ms=.. survivors=..";
# when: cold (kill the moment the tree is up) or warm (300 ms later).
kill_cmd() {
    local method=$1 when=$2 n=$3
    local java_kill=("$JBIN/java" -cp "$BUILD/classes" BenchKill)
    case $method in
        jdk) CMD=("${java_kill[@]}" jdk) ;;
        jdk-handwritten) CMD=("${java_kill[@]}" handwritten) ;;
        agent) CMD=("$JBIN/java" "-javaagent:$AGENT${AGENT_OPTS:+=$AGENT_OPTS}" -cp "$BUILD/classes" BenchKill jdk) ;;
        psutil) CMD=("$PY" "$BENCH/psutil_kill.py") ;;
        c-floor) CMD=("$BUILD/cfloor") ;;
    esac
    CMD+=("$when" "$n" "$BUILD/treegen" "$OUT/snapshot.txt")
}

# "median min max" of the numbers on stdin, or "n/a".
stats() {
    sort -g | awk '
        function f(x) { return x < 10 ? sprintf("%.2f", x) : x < 100 ? sprintf("%.1f", x) : sprintf("%.0f", x) }
        NF { v[++n] = $1 }
        END { if (!n) { print "n/a"; exit } m = n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2; print f(m), f(v[1]), f(v[n]) }'
}

kill_median() { tr ' ' '\n' <<<"${MS[$1]:-}" | stats | cut -d' ' -f1; }

# Table cell: "median xRATIO (most survivors seen) [min..max]", the ratio to the C floor's median of the
# same size and the same moment (cold or warm), measured in this run.
kill_cell() {
    local method=$1 when=$2 n=$3 s floor ratio
    s=$(tr ' ' '\n' <<<"${MS[$method,$when,$n]:-}" | stats)
    if [[ $s == n/a ]]; then
        echo "n/a"
        return
    fi
    read -r med min max <<<"$s"
    floor=$(kill_median "c-floor,$when,$n")
    ratio=$(awk -v a="$med" -v b="$floor" 'BEGIN { if (b > 0) printf " %.2fx", a / b }')
    [[ $method == agent ]] && med="**$med**"
    echo "$med$ratio (${SURV[$method,$when,$n]:-?}) [$min..$max]"
}

# "wall cpu": milliseconds of wall time and of CPU time (user + system, of the command and its children) of one
# command. CPU time is less disturbed by other work on the machine than wall time.
run_ms() {
    local TIMEFORMAT='%3R %3U %3S' t
    t=$({ time timeout -k 5 "$RUN_TIMEOUT" "$@" >/dev/null 2>>"$OUT/stderr.log" || echo "failed: $*" >>"$OUT/stderr.log"; } 2>&1)
    awk '{ printf "%.1f %.1f\n", $1 * 1000, ($2 + $3) * 1000 }' <<<"$t"
}

# Our tree roots and children that outlived their harness (they end themselves after 300 s anyway).
leak_check() {
    local d leaked=0
    for d in /proc/[0-9]*; do
        [[ $(readlink "$d/exe" 2>/dev/null) == "$BUILD/treegen" ]] && leaked=$((leaked + 1))
    done
    if ((leaked > 0)); then log "WARNING: $leaked treegen processes still alive"; fi
}

build
AGENT=$(agent_jar)
BASELINE=
if [[ -n ${BASELINE_JAR:-} ]]; then
    mkdir -p "$BUILD/baseline"
    cp "$BASELINE_JAR" "$BUILD/baseline/treekill-agent.jar" # the name its Boot-Class-Path expects
    BASELINE=$BUILD/baseline/treekill-agent.jar
fi
ROWS=(jdk jdk-handwritten psutil c-floor agent)
METHODS=(jdk jdk-handwritten)
if "$PY" -c 'import psutil' 2>/dev/null; then
    METHODS+=(psutil)
else
    log "$PY cannot import psutil: skipping the psutil row (install it: apt-get install -y python3-psutil)"
fi
METHODS+=(c-floor)
[[ -n $AGENT ]] && METHODS+=(agent)
: >"$OUT/raw.txt"
: >"$OUT/stderr.log"
HEADER="$(date -u '+%Y-%m-%d %H:%M UTC'), kernel $(uname -r), $(nproc) CPUs, $("$JBIN/java" -version 2>&1 | head -1),"
HEADER+=" $(find /proc -maxdepth 1 -name '[0-9]*' | wc -l) processes on the machine, load $(cut -d' ' -f1 /proc/loadavg) at start"

# --- Tree kills: every measurement in a fresh process; repetitions interleave methods and sizes so
# that a burst of load on the machine hits all of them alike.
declare -A MS SURV
((${#SIZES} > 0)) || REPS=0
[[ $ONLY == startup ]] && REPS=0
for ((rep = 1; rep <= REPS; rep++)); do
    for n in $SIZES; do
        for when in cold warm; do
            for method in "${METHODS[@]}"; do
                kill_cmd "$method" "$when" "$n"
                line=$(timeout -k 5 "$RUN_TIMEOUT" "${CMD[@]}" 2>>"$OUT/stderr.log" | grep '^result ') || true
                echo "$method $line" >>"$OUT/raw.txt"
                key=$method,$when,$n
                if [[ $line =~ ms=([0-9.]+)\ survivors=([0-9]+) ]]; then
                    ms=${BASH_REMATCH[1]} survivors=${BASH_REMATCH[2]}
                    MS[$key]+="$ms "
                    # the worst repetition is reported: a survivor is a failure, not noise
                    if ((survivors > ${SURV[$key]:--1})); then SURV[$key]=$survivors; fi
                    log "rep $rep/$REPS  n=$n  $when  $method: $ms ms, $survivors survivors"
                else
                    log "rep $rep/$REPS  n=$n  $when  $method: FAILED (see $OUT/stderr.log)"
                fi
            done
        done
    done
done
leak_check

# --- Start-up: the variants alternate run by run; one untimed round first fills the page cache and the
# agent's cache of patched classes (a private one: $BUILD/cache, not the user's). "treekill-cold" runs with an
# empty cache every time: the first JVM after a JDK or agent update, which patches with ASM.
declare -A START CPU
VARIANTS=(none empty)
[[ -n $AGENT ]] && VARIANTS+=(treekill treekill-cold)
[[ -n $BASELINE ]] && VARIANTS+=(baseline)
[[ $ONLY == kill ]] && STARTUP_RUNS=-1
rm -rf "$BUILD/cache" "$BUILD/cold-cache" "$BUILD/baseline-cache"
start_cmd() {
    local cache=$BUILD/cache
    if [[ $1 == treekill-cold ]]; then
        rm -rf "$BUILD/cold-cache"
        cache=$BUILD/cold-cache
    elif [[ $1 == baseline ]]; then
        # A cache of its own: sharing one, the two agents would replace each other's patched classes every run.
        cache=$BUILD/baseline-cache
    fi
    # every variant runs through env, so that its exec costs all of them alike
    CMD=(env "XDG_CACHE_HOME=$cache" "$JBIN/java")
    case $1 in
        empty) CMD+=("-javaagent:$BUILD/empty-agent.jar") ;;
        treekill | treekill-cold) CMD+=("-javaagent:$AGENT") ;;
        baseline) CMD+=("-javaagent:$BASELINE") ;;
    esac
    CMD+=(-cp "$BUILD/classes" "$2")
}
for ((run = 0; run <= STARTUP_RUNS; run++)); do
    for prog in StartNone StartOneChild; do
        for v in "${VARIANTS[@]}"; do
            start_cmd "$v" "$prog"
            read -r ms cpu <<<"$(run_ms "${CMD[@]}")"
            ((run == 0)) && continue
            START[$prog,$v]+="$ms "
            CPU[$prog,$v]+="$cpu "
            echo "startup $prog $v ms=$ms cpu_ms=$cpu" >>"$OUT/raw.txt"
        done
    done
    ((run == 0)) || log "start-up run $run/$STARTUP_RUNS done"
done
start_median() { tr ' ' '\n' <<<"${START[$1]:-}" | stats | cut -d' ' -f1; }
cpu_median() { tr ' ' '\n' <<<"${CPU[$1]:-}" | stats | cut -d' ' -f1; }
# The unrounded median of a START or CPU entry (for differences), or nothing.
raw_median() { tr ' ' '\n' <<<"$1" | sort -g | awk 'NF { v[++n] = $1 } END { if (n) print n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2 }'; }
over() { awk -v a="$(raw_median "$1")" -v b="$(raw_median "$2")" 'BEGIN { if (a == "" || b == "") print "n/a"; else printf "%+.1f", a - b }'; }

# --- Report (a load well above the CPU count means the numbers are noisy: other work competed)
HEADER+=", $(cut -d' ' -f1 /proc/loadavg) at end"
label() {
    case $1 in
        jdk) echo 'JDK as it is: `destroyForcibly()`' ;;
        jdk-handwritten) echo 'hand-written JDK: `descendants()` + `destroyForcibly()` each + `onExit()`' ;;
        psutil) echo 'Python psutil: snapshot, SIGKILL each, poll every 100 ms' ;;
        c-floor) echo "C floor: the agent's algorithm in C (SIGSTOP, rescan /proc, SIGKILL, poll /proc)" ;;
        agent) echo '**treekill agent**: plain `destroyForcibly()`' ;;
    esac
}
{
    echo "*treekill bench: $HEADER*"
    echo
}  | tee "$OUT/results.md"
if ((REPS > 0)); then {
    echo "Tree kill: ms from the kill request until every process of the tree has exited or is a zombie."
    echo "Cell: median, its ratio to the C floor's median in the same column, (most survivors in any run)"
    echo "[min..max], over $REPS runs, each in a fresh process. **cold**: killed the moment the tree is up"
    echo "(treegen printed ready; the JVM's first process start was a few ms earlier); **warm**: killed 300 ms later."
    echo
    printf '| method |'; for n in $SIZES; do printf ' %s cold | %s warm |' "$n" "$n"; done; echo
    printf '|---|'; for n in $SIZES; do printf -- '---:|---:|'; done; echo
    for method in "${ROWS[@]}"; do
        printf '| %s |' "$(label "$method")"
        for n in $SIZES; do printf ' %s | %s |' "$(kill_cell "$method" cold "$n")" "$(kill_cell "$method" warm "$n")"; done
        echo
    done
    echo
} | tee -a "$OUT/results.md"; fi
if ((STARTUP_RUNS > 0)); then {
    echo "JVM start-up, median ms over $STARTUP_RUNS runs per variant (variants alternating), wall time and, after"
    echo "the slash, CPU time (user + system). **treekill**: the agent's cache of patched classes filled by an earlier"
    echo "JVM; **empty cache**: the first JVM after a JDK or agent update. Over the empty agent: the agent's own cost."
    echo
    bl_head= bl_rule=
    [[ -n $BASELINE ]] && bl_head=" baseline | over empty |" bl_rule="---:|---:|"
    echo "| program | no agent | empty agent | treekill | over empty | treekill, empty cache | over empty |$bl_head target |"
    echo "|---|---:|---:|---:|---:|---:|---:|$bl_rule---:|"
    for prog in StartNone StartOneChild; do
        cells=
        for v in none empty treekill treekill-cold baseline; do
            [[ $v == baseline && -z $BASELINE ]] && continue
            w=$(start_median "$prog,$v") c=$(cpu_median "$prog,$v")
            cells+=" $w / $c |"
            if [[ $v != none && $v != empty ]]; then
                cells+=" $(over "${START[$prog,$v]:-}" "${START[$prog,empty]:-}") / $(over "${CPU[$prog,$v]:-}" "${CPU[$prog,empty]:-}") |"
            fi
        done
        target=$([[ $prog == StartNone ]] && echo "<= +5" || echo "<= +15")
        echo "| $prog |$cells $target (wall) |"
    done
} | tee -a "$OUT/results.md"; fi
