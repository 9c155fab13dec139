#!/bin/bash
# Submits a capacity sweep to Slurm: a job array with one shard per task
# (capacity-array.sbatch) and a job that runs `capacity report` when the array has ended
# (capacity-report.sbatch, --dependency=afterany).
#
#   scripts/slurm/submit.sh SCENARIO.json --shards N [--cores C] [--results DIR] [--time T] [--mem M]
#                           [--partition P] [--retry-failed] [--no-checkpoints] [-- SBATCH_OPTIONS...]
#
#   --shards N        array tasks 0..N-1; task i runs `capacity run --shard i/N`
#   --cores C         cores per task (sbatch --cpus-per-task, capacity run --cores; default 1)
#   --results DIR     results root on a filesystem every node shares (default: results); the sweep
#                     writes DIR/<scenario name>/ and Slurm logs go to DIR/<scenario name>/slurm/
#   --time T          per-task time limit (sbatch --time, e.g. 4:00:00; default: the partition's)
#   --mem M           per-task memory (sbatch --mem, e.g. 4G; default: the partition's)
#   --partition P     sbatch --partition
#   --retry-failed, --no-checkpoints
#                     passed to capacity run
#   -- ...            further options for both sbatch calls (e.g. --account=lab --qos=long)
#
# Environment: CAPACITY, the capacity binary, reachable at the same absolute path from every node
# (default: the release build of this checkout, `swift build -c release --show-bin-path`/capacity).
# Resubmitting the same command resumes a sweep: finished runs are skipped.
# Scenarios with "learningRateSearch" (and more than one shard) get two more jobs, each started
# when the one before has ended: a single job that runs the scan's extensions past its edges
# (capacity-scan.sbatch, `capacity run --scan-only`), then a second array for the other seeds,
# which run only once their family's whole scan, extensions included, is recorded.
# Prints the job ids; the last line is `array=ID report=ID` for scripts.
set -euo pipefail

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit "${1:-2}"; }
die() { echo "submit.sh: $*" >&2; exit 2; }

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
scenario="" shards="" cores=1 results=results time="" mem="" partition=""
run_flags=() sbatch_extra=()
while [[ $# -gt 0 ]]; do
    case $1 in
        --shards) shards=${2:-}; shift 2 ;;
        --cores) cores=${2:-}; shift 2 ;;
        --results) results=${2:-}; shift 2 ;;
        --time) time=${2:-}; shift 2 ;;
        --mem) mem=${2:-}; shift 2 ;;
        --partition) partition=${2:-}; shift 2 ;;
        --retry-failed|--no-checkpoints) run_flags+=("$1"); shift ;;
        --) shift; sbatch_extra=("$@"); break ;;
        -h|--help) usage 0 ;;
        -*) die "unknown option $1 (see --help)" ;;
        *) [[ -z $scenario ]] || die "one scenario file only (got $scenario and $1)"; scenario=$1; shift ;;
    esac
done
[[ -n $scenario ]] || usage
[[ -f $scenario ]] || die "$scenario: no such scenario file"
[[ $shards =~ ^[1-9][0-9]*$ ]] || die "--shards: expected a positive integer, found \"$shards\""
[[ $cores =~ ^[1-9][0-9]*$ ]] || die "--cores: expected a positive integer, found \"$cores\""
command -v sbatch >/dev/null || die "sbatch not found: run this on a Slurm login node (or set PATH)"

capacity=${CAPACITY:-}
if [[ -z $capacity ]]; then
    capacity=$(cd "$here/../.." && swift build -c release --show-bin-path 2>/dev/null)/capacity \
        || die "no CAPACITY given and no swift to find the release build: set CAPACITY=/path/to/capacity"
fi
[[ -x $capacity ]] || die "$capacity: not an executable (build it with \`make build\`, or set CAPACITY)"
capacity=$(realpath "$capacity")

# The scenario's name names its results directory.
name=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["name"])' "$scenario" 2>/dev/null) \
    || die "$scenario: cannot read its \"name\" (needs python3 and a valid scenario file)"
[[ -n $name && $name != */* ]] || die "$scenario: unexpected scenario name \"$name\""
# The runner decides a family's best rate only when every scan run of it is recorded, extensions
# included, and runs a family's next extension only once the one before it is recorded. Under an
# array, a shard may finish before another shard's scan runs, and a family's extensions may belong
# to several shards, each of which would have to wait for the others. So, after the first array:
# one job on one node runs every family's extensions in turn (--scan-only: no other seed; the
# extensions are few, at most maxExtensions per family, and families run side by side on its
# cores); then a second array of the same shards trains the other seeds at the decided rates.
# Finished runs are skipped, so each stage costs nothing when there is nothing left for it.
rounds=1
if python3 -c 'import json, sys; sys.exit(0 if "learningRateSearch" in json.load(open(sys.argv[1])) else 1)' "$scenario" \
    && ((shards > 1)); then
    rounds=2
fi
mkdir -p "$results/$name/slurm"
dir=$(realpath "$results/$name")
results=$(realpath "$results")

# Every task reads the same frozen copy, even if the scenario file is edited before they start.
frozen=$(mktemp "$dir/slurm/scenario.XXXXXX.json")
cp "$scenario" "$frozen"

common=(--parsable --chdir "$dir")
shard_env=(--export "ALL,CAPACITY=$capacity,CAPACITY_SHARDS=$shards")
plain_env=(--export "ALL,CAPACITY=$capacity")
[[ -n $time ]] && common+=(--time "$time")
[[ -n $partition ]] && common+=(--partition "$partition")
common+=("${sbatch_extra[@]}")

array=$(sbatch "${common[@]}" "${shard_env[@]}" --job-name "capacity-$name" --array "0-$((shards - 1))" \
    --cpus-per-task "$cores" ${mem:+--mem "$mem"} --output "$dir/slurm/%x-%A_%a.out" \
    "$here/capacity-array.sbatch" "$frozen" "$results" "${run_flags[@]}")
array=${array%%;*}
last=$array
scan=""
if ((rounds == 2)); then
    scan=$(sbatch "${common[@]}" "${plain_env[@]}" --job-name "capacity-$name-scan" \
        --cpus-per-task "$cores" ${mem:+--mem "$mem"} --output "$dir/slurm/%x-%j.out" \
        --dependency "afterany:$array" --kill-on-invalid-dep yes \
        "$here/capacity-scan.sbatch" "$frozen" "$results" "${run_flags[@]}")
    scan=${scan%%;*}
    last=$(sbatch "${common[@]}" "${shard_env[@]}" --job-name "capacity-$name-seeds" --array "0-$((shards - 1))" \
        --cpus-per-task "$cores" ${mem:+--mem "$mem"} --output "$dir/slurm/%x-%A_%a.out" \
        --dependency "afterany:$scan" --kill-on-invalid-dep yes \
        "$here/capacity-array.sbatch" "$frozen" "$results" "${run_flags[@]}")
    last=${last%%;*}
fi
report=$(sbatch "${common[@]}" "${shard_env[@]}" --job-name "capacity-report-$name" --cpus-per-task 1 \
    --dependency "afterany:$last" --kill-on-invalid-dep yes --output "$dir/slurm/%x-%j.out" \
    "$here/capacity-report.sbatch" "$dir")
report=${report%%;*}

echo "array job $array: $shards task(s), shard i/$shards each, $cores core(s) per task"
((rounds == 2)) && echo "scan job $scan: the learning-rate scan's extensions, one node, once $array has ended"
((rounds == 2)) && echo "array job $last: the same shards again once $scan has ended, for the seeds that follow the learning-rate scan"
echo "report job $report: capacity report $dir, once the array has ended"
echo "results: $dir · logs: $dir/slurm/"
echo "array=$array report=$report"
