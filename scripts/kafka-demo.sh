#!/bin/sh
# The guide's model Kafka-in/Kafka-out on a real broker: tansu (SQLite storage) on
# loopback, two engines in one consumer group sharing the input topic's partitions.
# Everything happens under ./kafka-demo-work (its own HOME and FASTSCORE_HOME).
# Usage: kafka-demo.sh <fastscore binary> <attachment> <tansu binary>
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
bindir=$(cd "$(dirname "$1")" && pwd)
attachment=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
tansu=$(cd "$(dirname "$3")" && pwd)/$(basename "$3")
export PATH="$bindir:$PATH"
work=$root/kafka-demo-work
export HOME="$work/home" FASTSCORE_HOME="$work/fastscore"
[ -d "$FASTSCORE_HOME" ] && fastscore engine stop >/dev/null 2>&1 || true
rm -rf "$work"
mkdir -p "$HOME" "$work/broker"
cd "$work"
port=${KAFKA_DEMO_PORT:-19092}
broker=127.0.0.1:$port

# the broker, stopped (by its pid) with the engines when the demo ends
(cd broker && exec "$tansu" broker --listener-url "tcp://$broker" \
    --advertised-listener-url "tcp://$broker" --storage-engine sqlite://./tansu.db \
    > broker.log 2>&1) &
broker_pid=$!
trap 'fastscore engine stop >/dev/null 2>&1 || true; kill "$broker_pid" 2>/dev/null || true' EXIT
tries=0
until "$tansu" topic create iris-in --partitions 4 --broker "tcp://$broker" >/dev/null 2>&1; do
    tries=$((tries + 1))
    [ "$tries" -lt 50 ] || { echo "the broker did not start; see $work/broker/broker.log"; exit 1; }
    sleep 0.2
done
"$tansu" topic create iris-out --partitions 4 --broker "tcp://$broker" >/dev/null

step() { printf '\n$ %s\n' "$*"; "$@"; }
kafka() { # name topic group → a stream descriptor in Model Manage
    printf '{"Transport": {"Type": "Kafka", "BootstrapServers": ["%s"], "Topic": "%s"%s}, "Encoding": "json", "SkipToRecord": "earliest"}\n' \
        "$broker" "$2" "${3:+, \"Group\": \"$3\", \"MaxWaitTime\": ${4:-8388607}}" > "$1.json"
    fastscore stream add "$1" "$1.json"
}

step fastscore schema add xgboost_input "$root/fixtures/guide/xgboost_iris_input.avsc"
step fastscore schema add xgboost_output "$root/fixtures/guide/xgboost_iris_output.avsc"
step fastscore model add xgboost_iris-py3 "$root/fixtures/guide/xgboost_iris.py3"
step fastscore attachment upload xgboost_iris-py3 "$attachment"
kafka iris-in iris-in iris-scorers
kafka iris-out iris-out
kafka iris-read iris-out demo-reader 5000
printf 'def action(x):\n    yield x\n' > copy.py3
step fastscore model add copy copy.py3

printf '\nTwo engines join the group "iris-scorers" on iris-in (4 partitions):\n'
for engine in engine-1 engine-2; do
    step fastscore use "$engine"
    step fastscore run xgboost_iris-py3 iris-in iris-out
done

printf '\nengine-3 puts the guide'"'"'s iris records on iris-in:\n'
step fastscore use engine-3
kafka iris-feed iris-in
step fastscore run copy "file:$root/fixtures/guide/xgboost_iris_inputs.jsons" iris-feed -wait

printf '\nengine-4 reads the predictions back from iris-out (it stops after 5 s without one):\n'
step fastscore use engine-4
step fastscore run copy iris-read "file:$work/predictions.jsons" -wait
for engine in engine-1 engine-2; do
    printf '\n$ fastscore use %s; fastscore engine inspect -v\n' "$engine"
    fastscore use "$engine" >/dev/null
    fastscore engine inspect -v | grep -E 'RUNNING|Kafka|^ +[0-9]'
done
printf '\n%s predictions for %s records, the first three:\n' \
    "$(wc -l < predictions.jsons)" "$(grep -c . "$root/fixtures/guide/xgboost_iris_inputs.jsons")"
head -3 predictions.jsons
