#!/bin/bash
# make cluster-check: runs a small sweep as a Slurm job array on a real, single-node Slurm brought
# up on this machine, and checks that the merged shards equal a plain `capacity run`, bit for bit.
#
#   scripts/slurm/cluster-check.sh [CAPACITY_BINARY] [--keep]
#
# CAPACITY_BINARY defaults to `swift build -c release --show-bin-path`/capacity (built if needed).
# Needs: root, Linux, and Slurm (slurmctld, slurmd, sbatch...) with munge; when they are missing
# it installs Debian's slurm-wlm and munge with apt-get (without starting their services), and
# leaves them installed. Steps:
#   1. a plain `capacity run` of scripts/slurm/check-scenario.json (4 runs) into a temporary dir;
#   2. a private munged and a slurmctld + slurmd for localhost with this machine's cores: own
#      config, key, socket, ports, state and logs in a mktemp directory (the system's Slurm and
#      munge, if any, are left alone);
#   3. scripts/slurm/submit.sh: a 3-task array (1 core per task) and the dependent report job;
#      waits for them (bounded) and checks their states, the shard files and the report, and
#      compares the merged records with the plain run's, run by run, every number bit for bit;
#   4. resumption: cuts the last line of shard 0 (which holds two runs) to half (what a task killed
#      in mid-write leaves), resubmits the array by hand (sbatch capacity-array.sbatch with
#      --retry-failed, the shard count from SLURM_ARRAY_TASK_COUNT) and the report job, and checks
#      that shard 0 repaired its file and redid that run alone, all other runs being skipped, and
#      that the merged results are still bit-identical to the plain run's;
#   5. stops the jobs and the daemons it started (by process id) and removes the temporary dir
#      (unless --keep). Re-runnable: every run uses new dirs and free ports.
# Exit status: 0 passed, 1 failed, 2 cannot run here (says what it needs).
# Environment: CHECK_TIMEOUT, seconds to wait for each submission's jobs (default 900).
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
scenario=$here/check-scenario.json
shards=3
job_timeout=${CHECK_TIMEOUT:-900}
keep=0 capacity=""
for a in "$@"; do
    case $a in
        --keep) keep=1 ;;
        -h|--help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) capacity=$a ;;
    esac
done

say() { echo "cluster-check: $*"; }
cannot() { echo "cluster-check: cannot run here: $*" >&2; exit 2; }
fail() { echo "cluster-check: FAILED: $*" >&2; exit 1; }

# --- what it needs -------------------------------------------------------------------------------
[[ $(uname -s) == Linux ]] || cannot "needs Linux (Slurm daemons); this is $(uname -s)"
[[ $(id -u) == 0 ]] || cannot "needs root (it starts munged, slurmctld and slurmd, and may apt-get install slurm-wlm and munge); run it as root, e.g. sudo make cluster-check"
command -v python3 >/dev/null || cannot "needs python3 (to compare results): apt-get install python3"
if [[ -z $capacity ]]; then
    say "no binary given: building the release binary (swift build -c release)"
    (cd "$repo" && swift build -c release) || cannot "swift build failed; or pass the binary: make cluster-check CAPACITY=/path/to/capacity"
    capacity=$(cd "$repo" && swift build -c release --show-bin-path)/capacity
fi
[[ -x $capacity ]] || cannot "$capacity: no such executable (pass CAPACITY=/path/to/capacity)"
capacity=$(realpath "$capacity")

daemons=(munged slurmctld slurmd)
clients=(sbatch squeue scontrol sinfo scancel)
missing() { for c in "${daemons[@]}" "${clients[@]}" munge mungekey; do command -v "$c" >/dev/null || echo "$c"; done; }
if [[ -n $(missing) ]]; then
    command -v apt-get >/dev/null \
        || cannot "Slurm is not installed ($(missing | paste -sd" " -)) and there is no apt-get to install it: install Slurm (slurmctld, slurmd, client commands) and munge"
    say "installing Debian's slurm-wlm and munge (missing: $(missing | paste -sd" " -)); their services are not started"
    running() { for d in munged slurmctld slurmd; do pgrep -x "$d"; done | sort; }
    aptlog=$(mktemp /tmp/cluster-check-apt.XXXXXX.log)
    before=$(running)
    policy=/usr/sbin/policy-rc.d made_policy=0
    if [[ ! -e $policy ]]; then
        # Debian's way to install a daemon without starting it (honoured by invoke-rc.d and
        # deb-systemd-invoke); removed again right after.
        printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && made_policy=1
        trap 'rm -f "$policy"' EXIT
    fi
    apt_install() { DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -q --no-install-recommends slurm-wlm munge; }
    apt_install >"$aptlog" 2>&1 \
        || { timeout 300 apt-get update -q >>"$aptlog" 2>&1; apt_install >>"$aptlog" 2>&1; }
    status=$?
    ((made_policy)) && { rm -f "$policy"; trap - EXIT; }
    # Anything the packages started anyway is stopped again (by pid).
    for pid in $(comm -13 <(echo "$before") <(running)); do
        say "stopping $(cat "/proc/$pid/comm" 2>/dev/null) ($pid), started by the package install"
        kill "$pid" 2>/dev/null
    done
    ((status == 0)) || { tail -n 20 "$aptlog" >&2; cannot "apt-get install slurm-wlm munge failed (log: $aptlog): needs Debian's package registry, or Slurm and munge installed"; }
    [[ -z $(missing) ]] || cannot "still missing after the install: $(missing | paste -sd" " -)"
    rm -f "$aptlog"
fi
version=$(slurmctld -V | awk '{print $NF}')

# --- a private cluster in a temporary directory ----------------------------------------------------
work=$(mktemp -d /tmp/capacity-cluster-check.XXXXXX)
chmod 755 "$work"
mkdir -p "$work"/{munge,state,spool,log,run,plain,cluster}
chmod 700 "$work/munge"  # the key; the socket is in run/ (munged wants it reachable by all)
conf=$work/slurm.conf
pids=() names=() # daemons started here, in start order
stepds_before=$(pgrep -x slurmstepd | sort)

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    # Only ever this check's own cluster: SLURM_CONF points at its configuration.
    if [[ -f $conf && ${SLURM_CONF:-} == "$conf" ]] && ((${#pids[@]} > 1)); then
        # Jobs first, so that no job step outlives its slurmd.
        if [[ -n $(squeue -h -o %i 2>/dev/null) ]]; then
            say "cancelling the check's remaining jobs"
            squeue -h -o %A 2>/dev/null | sort -u | xargs -r scancel --full --quiet 2>/dev/null
            for _ in $(seq 30); do [[ -z $(squeue -h -o %i 2>/dev/null) ]] && break; sleep 1; done
        fi
    fi
    # Daemons, last started first, by process id.
    local i pid
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
        pid=${pids[i]}
        kill -0 "$pid" 2>/dev/null || continue
        kill -TERM "$pid" 2>/dev/null
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
        kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    # A job step left behind by a slurmd that died (never expected): only steps of our own spool.
    for pid in $(comm -13 <(echo "$stepds_before") <(pgrep -x slurmstepd | sort)); do
        if grep -qs "$work" "/proc/$pid/cmdline" "/proc/$pid/environ" \
            || [[ $(readlink "/proc/$pid/cwd" "/proc/$pid"/fd/* 2>/dev/null) == *"$work"* ]]; then
            kill -KILL "$pid" 2>/dev/null
        fi
    done
    if ((${#pids[@]})); then
        local left=""
        for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && left+=" $pid"; done
        [[ -z $left ]] && say "stopped the daemons it started: $(for i in "${!pids[@]}"; do printf '%s (pid %s)\n' "${names[i]}" "${pids[i]}"; done | paste -sd, - | sed 's/,/, /g')" \
                       || say "WARNING: could not stop$left"
    fi
    if ((keep)); then say "kept $work"
    else rm -rf "$work"; fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

dump_logs() {
    for f in "$work"/log/*.log "$work"/cluster/*/slurm/*.out; do
        [[ -f $f ]] || continue
        echo "----- $f (last 15 lines)" >&2
        tail -n 15 "$f" >&2
    done
}
die() { dump_logs; fail "$@"; }

# Two free TCP ports on the loopback interface for slurmctld and slurmd.
read -r ctld_port slurmd_port < <(python3 - <<'EOF'
import socket
socks = []
for _ in range(2):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(*(s.getsockname()[1] for s in socks))
EOF
)
host=$(hostname -s)
# This machine's cores, sockets and memory as slurmd sees them (keeps the node from draining).
node=$(slurmd -C | head -n 1 | sed 's/^NodeName=[^ ]*//')
[[ $node == *CPUs=* ]] || cannot "slurmd -C did not describe this machine: $node"

# 1. the plain run ---------------------------------------------------------------------------------
say "Slurm $version · binary $capacity · scenario $scenario"
say "1/4 plain run: capacity run --cores $(nproc) (no Slurm)"
start=$SECONDS
timeout 900 "$capacity" run "$scenario" --results "$work/plain" --no-checkpoints --cores "$(nproc)" \
    >"$work/log/plain-run.log" 2>&1 || { tail -n 20 "$work/log/plain-run.log" >&2; fail "the plain capacity run failed"; }
name=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["name"])' "$scenario")
say "    $(grep -c . "$work/plain/$name/runs.jsonl") runs in $((SECONDS - start)) s"

# 2. munge and Slurm -------------------------------------------------------------------------------
say "2/4 starting munged, slurmctld and slurmd for $host (127.0.0.1, ports $ctld_port/$slurmd_port):$node"
dd if=/dev/urandom of="$work/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$work/munge/munge.key"
socket=$work/run/munge.socket
munged -F --key-file="$work/munge/munge.key" --socket="$socket" --pid-file="$work/run/munged.pid" \
    --seed-file="$work/munge/munged.seed" --log-file="$work/log/munged.log" >>"$work/log/munged.log" 2>&1 &
pids+=($!) names+=(munged)
for _ in $(seq 50); do [[ -S $socket ]] && break; sleep 0.2; done
munge -S "$socket" -n 2>/dev/null | unmunge -S "$socket" >/dev/null 2>&1 || die "munged does not answer on $socket"

touch "$work/plugstack.conf"
cat >"$conf" <<EOF
# Written by scripts/slurm/cluster-check.sh for one check; removed with it.
ClusterName=capacitycheck
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket
PlugStackConfig=$work/plugstack.conf
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/run/slurmctld.pid
SlurmdPidFile=$work/run/slurmd.pid
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/pgid
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
MinJobAge=3600
KillWait=5
MailProg=/bin/true
NodeName=$host NodeAddr=127.0.0.1 $node State=UNKNOWN
PartitionName=check Nodes=$host Default=YES MaxTime=60 State=UP
EOF
# Client commands use this configuration only; nothing of a surrounding Slurm job leaks in.
for v in $(compgen -e | grep '^SLURM_'); do unset "$v"; done
export SLURM_CONF=$conf

slurmctld -D -f "$conf" >>"$work/log/slurmctld.out" 2>&1 &
pids+=($!) names+=(slurmctld)
up=0
for _ in $(seq 60); do scontrol ping 2>/dev/null | grep -q 'is UP' && { up=1; break; }; sleep 0.5; done
((up)) || die "slurmctld did not come up"
slurmd -D -f "$conf" -N "$host" >>"$work/log/slurmd.out" 2>&1 &
pids+=($!) names+=(slurmd)
state=""
for _ in $(seq 120); do
    state=$(sinfo -h -N -n "$host" -o %T 2>/dev/null)
    [[ $state == idle ]] && break
    sleep 0.5
done
[[ $state == idle ]] || { sinfo -R >&2; die "node $host is \"$state\", not idle"; }
say "    slurmctld (pid ${pids[1]}) and slurmd (pid ${pids[2]}) up: $(sinfo -h -o '%P %a %D node(s) %C (cpus allocated/idle/other/total) %T')"

# Waits for the jobs of a submission and prints each job's state and exit code.
wait_jobs() { # ARRAY_ID REPORT_ID
    local deadline=$((SECONDS + job_timeout))
    while [[ -n $(squeue -h -j "$1,$2" -o %i 2>/dev/null) ]]; do
        ((SECONDS < deadline)) || { squeue >&2; die "jobs $1 and $2 still queued or running after ${job_timeout} s (CHECK_TIMEOUT)"; }
        sleep 2
    done
    { scontrol -o show job "$1"; scontrol -o show job "$2"; } 2>/dev/null | python3 -c '
import re, sys
rows = []
for line in sys.stdin:
    f = dict(re.findall(r"(\w+)=(\S*)", line))
    task = f.get("ArrayTaskId")
    name = f["JobName"] + (" " + f["ArrayJobId"] + "_" + task if task else " " + f["JobId"])
    rows.append(((task is None, int(task or 0)), "%s: %s, exit %s, ran %s-%s" % (name, f["JobState"], f["ExitCode"],
                f["StartTime"][-8:], f["EndTime"][-8:])))
for _, text in sorted(rows):
    print(text)'
}
jobs_ok() { # ARRAY_ID REPORT_ID EXPECTED_COUNT
    local lines
    lines=$(wait_jobs "$1" "$2") || exit 1
    echo "$lines" | sed 's/^/    /'
    [[ $(echo "$lines" | grep -c ': COMPLETED, exit 0:0,') == "$3" ]] || die "not all $3 jobs COMPLETED with exit 0"
}
submit() {
    CAPACITY=$capacity "$here/submit.sh" "$scenario" --shards "$shards" --cores 1 --results "$work/cluster" \
        --time 10 --no-checkpoints >"$work/log/submit.out" 2>&1 || { cat "$work/log/submit.out" >&2; die "submit.sh failed"; }
    sed 's/^/    /' "$work/log/submit.out" | grep -v '^    array='
    ids=$(sed -n 's/^array=\([0-9]*\) report=\([0-9]*\)$/\1 \2/p' "$work/log/submit.out")
    [[ -n $ids ]] || die "submit.sh printed no job ids"
}
dir=$work/cluster/$name

# 3. the array and the report job -----------------------------------------------------------------
say "3/4 submitting the sweep: $shards array tasks + the report job (scripts/slurm/submit.sh)"
start=$SECONDS
submit
read -r array report <<<"$ids"
jobs_ok "$array" "$report" $((shards + 1))
say "    all jobs done in $((SECONDS - start)) s; shard files: $(cd "$dir" && echo runs*.jsonl)"
for ((i = 0; i < shards; i++)); do
    log=$dir/slurm/capacity-$name-${array}_$i.out
    [[ -f $log ]] || die "no log for task $i ($log)"
    grep -q "capacity shard $i/$shards " "$log" || die "task $i did not run shard $i/$shards ($log)"
done
[[ -f $dir/report.md ]] || die "no report.md"
grep -q "capacity report $dir" "$dir/slurm/capacity-report-$name-$report.out" || die "the report job did not run capacity report"
newest_shard=$(stat -c %Y "$dir"/runs.shard-*.jsonl | sort -n | tail -n 1)
(( $(stat -c %Y "$dir/report.md") >= newest_shard )) || die "report.md is older than the shard files"
runs=$(grep -c . "$work/plain/$name/runs.jsonl")
grep -q "^$runs runs: $runs ok, 0 failed" "$dir/report.md" || die "report.md does not merge $runs ok runs: $(grep -m1 ' runs: ' "$dir/report.md")"
say "    report.md (written by the report job after the array): $(grep -m1 -o "^$runs runs: [^.]*" "$dir/report.md")"
python3 "$here/compare-runs.py" "$work/plain/$name" "$dir" --shards "$shards" >"$work/log/compare.out" 2>&1 \
    || { cat "$work/log/compare.out" >&2; die "the sharded results differ from the plain run"; }
say "    $(cat "$work/log/compare.out")"

# 4. a torn line and a resubmission by hand ---------------------------------------------------------
torn=$dir/runs.shard-0-of-$shards.jsonl
last=$(tail -n 1 "$torn")
lost=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["key"])' "$last")
head -n -1 "$torn" >"$torn.tmp" && mv "$torn.tmp" "$torn"
printf '%s' "${last:0:$((${#last} / 2))}" >>"$torn"
say "4/4 shard 0's last line ($lost) cut to half, as a task killed in mid-write leaves it;"
say "    resubmitting by hand: sbatch --array=0-$((shards - 1)) capacity-array.sbatch ... --retry-failed (n from SLURM_ARRAY_TASK_COUNT), then the report job"
start=$SECONDS
array2=$(sbatch --parsable --chdir "$dir" --export "ALL,CAPACITY=$capacity" --array "0-$((shards - 1))" --time 10 \
    --output "$dir/slurm/%x-%A_%a.out" "$here/capacity-array.sbatch" "$dir/scenario.json" "$work/cluster" \
    --no-checkpoints --retry-failed) || die "sbatch of the array failed"
report2=$(sbatch --parsable --chdir "$dir" --export "ALL,CAPACITY=$capacity" --dependency "afterany:$array2" \
    --output "$dir/slurm/%x-%j.out" "$here/capacity-report.sbatch" "$dir") || die "sbatch of the report job failed"
jobs_ok "$array2" "$report2" $((shards + 1))
log2=$dir/slurm/capacity-${array2}_0.out
grep -q "capacity shard 0/$shards " "$log2" || die "task 0 did not run shard 0/$shards ($log2)"
grep -q "repaired: .*runs.shard-0-of-$shards.jsonl: removed" "$log2" || die "task 0 did not repair the torn line ($log2)"
grep -Eq "1 run\(s\) to do.*\(1 already finished\)" "$log2" || die "task 0 did not redo exactly the lost run ($log2)"
grep -q "^done  $lost " "$log2" || die "task 0 did not redo $lost"
for ((i = 1; i < shards; i++)); do
    grep -q "0 run(s) to do" "$dir/slurm/capacity-${array2}_$i.out" || die "task $i of the resubmission ran runs again"
done
say "    all jobs done in $((SECONDS - start)) s; task 0 repaired its file ($(grep -o 'removed [0-9]* bytes' "$log2")), kept its other run and redid $lost; tasks 1 and 2 skipped their finished runs"
grep -q "^$runs runs: $runs ok, 0 failed" "$dir/report.md" || die "report.md does not merge $runs ok runs after the resubmission"
python3 "$here/compare-runs.py" "$work/plain/$name" "$dir" --shards "$shards" >"$work/log/compare.out" 2>&1 \
    || { cat "$work/log/compare.out" >&2; die "after the resubmission the sharded results differ from the plain run"; }
say "    $(cat "$work/log/compare.out")"
say "PASSED (Slurm $version, real slurmctld and slurmd)"
