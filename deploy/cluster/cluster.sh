#!/usr/bin/env bash
# A 5-host ReCodEx cluster on one machine: network namespaces joined by veth pairs to a bridge
# (in a namespace of its own, so the host's network is untouched):
#
#   broker   10.77.0.1   recodex-monitor + recodex-broker (clients 9658, workers 9657, cluster 9659)
#   files    10.77.0.2   recodex-fileserver (9999)
#   worker1  10.77.0.11  recodex-worker, joins caf://10.77.0.1:9659   (worker-id 101)
#   worker2  10.77.0.12  recodex-worker, joins caf://10.77.0.1:9659   (worker-id 102)
#   worker3  10.77.0.13  recodex-worker, joins caf://10.77.0.1:9659   (worker-id 103)
#
# Every daemon gets its own generated config in a temporary directory. The script then submits
# sample jobs (the C "sum of two integers" with five tests: OK, wrong answer, time limit, memory
# limit, runtime error) from the broker host, as the web application would (files to the file
# server over HTTP, `eval` over ZeroMQ), waits for each result.zip and prints its tasks. On exit
# (normal, error or Ctrl-C) every daemon is stopped and every namespace and file removed.
#
# Usage: sudo deploy/cluster/cluster.sh [--bin DIR] [--jobs N] [--keep-running]
#   --bin DIR        where recodex-broker, -worker, -monitor, -fileserver, -send-eval and the
#                    judges are (default: build/bin of this checkout)
#   --jobs N         submissions of the raw sample (default 3)
#   --keep-running   after the samples, wait for Ctrl-C before tearing down
#   --tls            TLS on the cluster port (CAF's OpenSSL module): a throw-away cluster
#                    certificate, presented and verified by the broker and every worker
#   --no-cli         skip the demo submissions through the `recodex` CLI (they run when
#                    $bin/recodex exists: deploy/examples pushed as task `sum`, then every
#                    solution of deploy/examples/submissions.yml submitted with --follow)
# Exit: 0 when every sample got its results (a demo verdict other than the expected one is
# reported, not counted), 1 when one did not, 2 on setup errors, 3 when not root or without
# `ip netns`.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source_dir=$(cd "$here/../.." && pwd)
bin_dir="$source_dir/build/bin"
jobs=3
keep_running=0
use_cli=1
use_tls=0

while [[ $# -gt 0 ]]; do
  case "$1" in
    --bin) bin_dir=$(cd "$2" && pwd); shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    --keep-running) keep_running=1; shift ;;
    --no-cli) use_cli=0; shift ;;
    --tls) use_tls=1; shift ;;
    -h|--help) sed -n '2,/^set -e/{/^set -e/d;p}' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "cluster.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

say() { printf '[cluster] %s\n' "$*"; }
die() { printf 'cluster.sh: %s\n' "$*" >&2; exit 2; }

if [[ $(id -u) -ne 0 ]]; then
  echo "cluster.sh: needs root (network namespaces, veth pairs, the workers' sandbox); run it with sudo" >&2
  exit 3
fi
if ! ip netns list >/dev/null 2>&1; then
  echo "cluster.sh: 'ip netns' is not available (iproute2 with network namespace support is needed)" >&2
  exit 3
fi
for program in recodex-broker recodex-worker recodex-monitor recodex-fileserver recodex-send-eval recodex-token-judge; do
  [[ -x "$bin_dir/$program" ]] || die "$bin_dir/$program is missing (build it, or give --bin DIR)"
done
for tool in curl unzip sha1sum nsenter; do
  command -v "$tool" >/dev/null || die "'$tool' is needed"
done

# Names carry this run's id, so two runs (or a stale one) never collide.
run_id=$(( $$ % 100000 ))
prefix="rcx${run_id}"
hosts=(broker files worker1 worker2 worker3)
declare -A address=([broker]=10.77.0.1 [files]=10.77.0.2 [worker1]=10.77.0.11 [worker2]=10.77.0.12 [worker3]=10.77.0.13)
declare -A short=([broker]=b [files]=f [worker1]=w1 [worker2]=w2 [worker3]=w3)
switch_ns="${prefix}-switch"
work=$(mktemp -d /tmp/recodex-cluster.XXXXXX)
chmod 755 "$work"
pids=()

ns() { echo "${prefix}-$1"; }
# nsenter --net, not `ip netns exec`: the latter also remounts /sys, which hides the cgroup
# mounts the workers' sandbox needs.
in_ns() { local host=$1; shift; nsenter --net="/var/run/netns/$(ns "$host")" "$@"; }

teardown() {
  local status=$?
  trap - EXIT INT TERM
  say "tearing down"
  local pid
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  local host
  for host in "${hosts[@]}"; do ip netns delete "$(ns "$host")" 2>/dev/null || true; done
  ip netns delete "$switch_ns" 2>/dev/null || true
  if [[ $status -ne 0 && -d "$work/logs" ]]; then
    say "logs of the failed run (last 20 lines each):"
    local log
    for log in "$work"/logs/*.log; do echo "--- $(basename "$log")"; tail -n 20 "$log"; done
  fi
  rm -rf "$work"
  exit "$status"
}
trap teardown EXIT
trap 'exit 130' INT TERM

# -- the network: a bridge in its own namespace, one veth pair per host --
build_network() {
  ip netns add "$switch_ns"
  ip -n "$switch_ns" link add br0 type bridge
  ip -n "$switch_ns" link set br0 up
  ip -n "$switch_ns" link set lo up
  local host
  for host in "${hosts[@]}"; do
    local host_ns peer
    host_ns=$(ns "$host")
    peer="${prefix}${short[$host]}"
    ip netns add "$host_ns"
    ip link add "$peer" type veth peer name eth0 netns "$host_ns"
    ip link set "$peer" netns "$switch_ns"
    ip -n "$switch_ns" link set "$peer" master br0 up
    ip -n "$host_ns" addr add "${address[$host]}/24" dev eth0
    ip -n "$host_ns" link set eth0 up
    ip -n "$host_ns" link set lo up
  done
  say "network: ${hosts[*]} on 10.77.0.0/24 (bridge in $switch_ns)"
}

# -- configs --
# One self-signed certificate for the whole cluster: each node presents it and trusts it as
# its CA (a real cluster gives each node its own certificate signed by a cluster CA).
make_certificate() {
  command -v openssl >/dev/null || die "--tls needs the openssl command"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=recodex-cluster \
    -keyout "$work/cluster.key" -out "$work/cluster.pem" 2>/dev/null || die "openssl could not make a certificate"
  tls_keys="certificate: \"$work/cluster.pem\", key: \"$work/cluster.key\", ca-file: \"$work/cluster.pem\""
}

write_configs() {
  mkdir -p "$work/logs" "$work/store"
  tls_keys=""
  [[ $use_tls -eq 1 ]] && make_certificate
  cat > "$work/monitor.yml" <<EOF
websocket_uri: ["${address[broker]}", 4567]
zeromq_uri: ["127.0.0.1", 7894]
logger: {file: "$work/logs/monitor-file.log", level: info}
EOF
  cat > "$work/broker.yml" <<EOF
clients: {address: "${address[broker]}", port: 9658}
workers: {address: "${address[broker]}", port: 9657, max_liveness: 4, max_request_failures: 3, ping_interval: 1000}
monitor: {address: "127.0.0.1", port: 7894}
logger: {level: info}
journal: "$work/broker.journal"
recovery_grace: 10000
cluster: {port: 9659${tls_keys:+, $tls_keys}}
EOF
  cat > "$work/fileserver.yml" <<EOF
listen: {address: "${address[files]}", port: 9999}
data-dir: "$work/store"
auth: {username: re, password: codex}
logger: {level: info}
EOF
  local n
  for n in 1 2 3; do
    cat > "$work/worker$n.yml" <<EOF
worker-id: 10$n
worker-description: "cluster worker $n"
broker-uri: "caf://${address[broker]}:9659"
broker-ping-interval: 1000
max-broker-liveness: 4
headers:
  threads: 1
environments-dir: "$source_dir/deploy/environments"
hwgroup: group1
working-directory: "$work/worker$n"
file-managers:
  - hostname: "http://${address[files]}:9999"
    username: re
    password: codex
file-cache:
  cache-dir: "$work/worker$n/cache"
logger: {level: info}
limits:
  time: 30
  wall-time: 60
  extra-time: 2
  memory: 1048576
  extra-memory: 64
  parallel: 64
  environ-variable: {HOME: /box, PATH: "/usr/bin:/bin"}
max-output-length: 4096
max-carboncopy-length: 1048576
cleanup-submission: true
judges-dir: "$bin_dir"
${tls_keys:+cluster-tls: {$tls_keys\}}
EOF
  done
}

# Starts a daemon in a host's namespace; waits until its stdout has a line with `ready`.
start_daemon() {
  local host=$1 name=$2 ready=$3; shift 3
  # nsenter execs the daemon, so $! is the daemon itself (a backgrounded shell function would
  # be a subshell, and the teardown's signal would miss the daemon).
  nsenter --net="/var/run/netns/$(ns "$host")" "$@" > "$work/logs/$name.out" 2> "$work/logs/$name.log" &
  pids+=($!)
  for _ in $(seq 100); do
    grep -q "$ready" "$work/logs/$name.out" 2>/dev/null && { say "$host: $name up ($(grep -m1 "$ready" "$work/logs/$name.out"))"; return 0; }
    kill -0 "$!" 2>/dev/null || die "$name exited at start-up: $(tail -n 5 "$work/logs/$name.log")"
    sleep 0.1
  done
  die "$name did not print '$ready' within 10 s"
}

start_cluster() {
  start_daemon broker monitor "websocket" "$bin_dir/recodex-monitor" -c "$work/monitor.yml"
  start_daemon broker broker "cluster" "$bin_dir/recodex-broker" -c "$work/broker.yml"
  start_daemon files fileserver "listening on" "$bin_dir/recodex-fileserver" -c "$work/fileserver.yml"
  local n
  for n in 1 2 3; do
    start_daemon "worker$n" "worker$n" "slot" "$bin_dir/recodex-worker" -c "$work/worker$n.yml"
  done
  # Registered over the middleman: the broker's statistics count them.
  for _ in $(seq 100); do
    if in_ns broker "$bin_dir/recodex-send-eval" stats "tcp://${address[broker]}:9658" 2>/dev/null \
        | grep -q "worker-count 3"; then
      say "broker: 3 workers registered over caf://"
      return 0
    fi
    sleep 0.2
  done
  die "the workers did not register with the broker within 20 s"
}

# -- the samples, from the broker host as the web application would send them --
files_url="http://${address[files]}:9999"

put_task_file() { # text -> prints its SHA-1 after storing it under /tasks/
  local file="$work/taskfile.$RANDOM" hash
  printf '%s' "$1" > "$file"
  hash=$(sha1sum "$file" | cut -d' ' -f1)
  in_ns broker curl -sf -u re:codex -X PUT --data-binary "@$file" "$files_url/tasks/$hash" >/dev/null
  rm -f "$file"
  echo "$hash"
}

# The job config of the sum exercise: build, then per test fetch input and reference, run, judge.
job_config() {
  local job=$1; shift
  cat <<EOF
submission:
  job-id: $job
  file-collector: $files_url/tasks
  hw-groups: [group1]
tasks:
  - task-id: build
    type: initiation
    priority: 100
    cmd: {bin: /usr/bin/gcc, args: [-O2, -o, prog, sum.c]}
    sandbox:
      name: isolate
      output: true
      chdir: \${EVAL_DIR}
      limits: [{hw-group-id: group1, time: 10, wall-time: 20, memory: 524288, parallel: 0}]
EOF
  local test in ref
  while [[ $# -gt 0 ]]; do
    test=$1 in=$2 ref=$3; shift 3
    cat <<EOF
  - task-id: fetch-in-$test
    priority: 42
    dependencies: [build]
    cmd: {bin: fetch, args: [$in, "\${SOURCE_DIR}/$test.in"]}
  - task-id: fetch-ref-$test
    priority: 42
    dependencies: [build]
    cmd: {bin: fetch, args: [$ref, "\${SOURCE_DIR}/$test.ref"]}
  - task-id: run-$test
    test-id: $test
    type: execution
    priority: 90
    dependencies: [fetch-in-$test]
    cmd: {bin: ./prog}
    sandbox:
      name: isolate
      stdin: \${EVAL_DIR}/$test.in
      stdout: \${EVAL_DIR}/$test.out
      chdir: \${EVAL_DIR}
      limits: [{hw-group-id: group1, time: 0.5, wall-time: 1.5, memory: 65536, parallel: 1}]
  - task-id: judge-$test
    test-id: $test
    type: evaluation
    priority: 80
    dependencies: [run-$test, fetch-ref-$test]
    cmd: {bin: "\${JUDGES_DIR}/recodex-token-judge", args: ["\${EVAL_DIR}/$test.ref", "\${EVAL_DIR}/$test.out"]}
    sandbox: {name: isolate, output: true, chdir: "\${EVAL_DIR}"}
EOF
  done
}

submit() {
  local job=$1; shift
  job_config "$job" "$@" > "$work/$job-config.yml"
  in_ns broker curl -sf -u re:codex -F "job-config.yml=@$work/$job-config.yml;filename=job-config.yml" \
    -F "sum.c=@$source_dir/tests/integration/worker_e2e/sum.c;filename=sum.c" \
    "$files_url/submissions/$job" >/dev/null || die "upload of $job failed"
  local answer
  answer=$(in_ns broker "$bin_dir/recodex-send-eval" eval "tcp://${address[broker]}:9658" "$job" \
    "$files_url/submission_archives/$job.zip" "$files_url/results/$job.zip" hwgroup=group1 env=c-gcc-linux) \
    || die "the broker did not accept $job: $answer"
  say "submitted $job: $answer"
}

# Waits for results/<job>.zip and prints "task status [sandbox status]" per task; a job the
# broker gave up on (its log says "reported FAILED") ends the wait with the broker's reason.
print_results() {
  local job=$1 zip="$work/$job-result.zip"
  for _ in $(seq 600); do
    if in_ns broker curl -sf -u re:codex -o "$zip" "$files_url/results/$job.zip"; then
      say "results of $job (from the file server):"
      unzip -p "$zip" result/result.yml | awk '
        /task-id:/ { if (id != "") printf "    %-14s %-8s %s\n", id, status, sandbox; id = $NF; status = ""; sandbox = "" }
        /^ *status:/ { if (status == "") status = $NF; else sandbox = $NF }
        END { if (id != "") printf "    %-14s %-8s %s\n", id, status, sandbox }'
      return 0
    fi
    if grep -q "\[job $job\] reported FAILED" "$work/logs/broker.log"; then
      say "$job failed: $(grep -m1 "\[job $job\] reported FAILED" "$work/logs/broker.log" | sed 's/.*reported FAILED //')"
      return 1
    fi
    sleep 0.2
  done
  say "no results for $job after 120 s"
  return 1
}

build_network
write_configs
start_cluster

tests=()
for t in "T1 3 4|7" "T2 42 1|43" "T3 -1 0|-1" "T4 -2 0|-2" "T5 -3 0|-3"; do
  name=${t%% *} rest=${t#* }
  input=${rest%%|*} reference=${rest#*|}
  tests+=("$name" "$(put_task_file "$input"$'\n')" "$(put_task_file "$reference"$'\n')")
done
say "task files stored: 5 inputs, 5 references"

job_ids=()
started=$(date +%s%3N)
for n in $(seq "$jobs"); do
  job="cluster_sum_$n"
  submit "$job" "${tests[@]}"
  job_ids+=("$job")
done
failed=0
for job in "${job_ids[@]}"; do print_results "$job" || failed=1; done
elapsed=$(( $(date +%s%3N) - started ))
say "${#job_ids[@]} jobs evaluated in ${elapsed} ms; expected per job: run-T1 OK, judge-T2 FAILED (WA), run-T3 TO, run-T4 SG/RE (memory), run-T5 RE"

# The demo submissions through the CLI, as a user would send them from the broker host.
recodex_cli() {
  in_ns broker "$bin_dir/recodex" --broker "tcp://${address[broker]}:9658" --fileserver "$files_url" \
    --monitor "ws://${address[broker]}:4567" --environments "$source_dir/deploy/environments" "$@"
}
if [[ $use_cli -eq 1 && -x "$bin_dir/recodex" && -f "$source_dir/deploy/examples/submissions.yml" ]]; then
  recodex_cli task push "$source_dir/deploy/examples/sum" | sed 's/^/[cluster] /' || die "recodex task push failed"
  # "  - {name: sum-c, task: sum, solution: solutions/sum-c, expected: OK}"
  while read -r name task solution expected; do
    say "recodex submit $solution --task $task --follow  (expected: $expected)"
    set +e
    recodex_cli submit "$source_dir/deploy/examples/$solution" --task "$task" --follow < /dev/null \
      > "$work/$name.out" 2>&1
    code=$?
    set -e
    sed 's/^/    /' "$work/$name.out"
    # Exit 0 only when every test is OK; 1 with the expected verdict in the summary line
    # ("5 tests: 4 OK, 1 WA") otherwise.
    summary=$(grep -E '^[0-9]+ tests: ' "$work/$name.out" | tail -n 1 || true)
    if [[ ( $expected == OK && $code -eq 0 ) || ( $expected != OK && $code -eq 1 && $summary == *" $expected"* ) ]]; then
      say "$name: as expected ($expected)"
    elif [[ -n $summary ]]; then
      # Evaluated, another verdict: reported, not a cluster failure (a time limit, for one,
      # depends on the machine and its load).
      say "$name: NOT as expected ($expected, got: $summary)"
    else
      say "$name: no results (exit $code)"
      failed=1
    fi
  done < <(sed -n 's/.*name: *\([^,]*\), *task: *\([^,]*\), *solution: *\([^,]*\), *expected: *\([^ }]*\).*/\1 \2 \3 \4/p' \
             "$source_dir/deploy/examples/submissions.yml")
fi
in_ns broker "$bin_dir/recodex-send-eval" stats "tcp://${address[broker]}:9658" | sed 's/^/[cluster] broker stats: /'

if [[ $keep_running -eq 1 ]]; then
  say "running; the monitor is ws://${address[broker]}:4567 in $(ns broker); Ctrl-C tears it down"
  # In the background, so a signal runs the trap at once.
  while true; do sleep 3600 & wait $!; done
fi
exit "$failed"
