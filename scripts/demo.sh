#!/bin/sh
# The guide's walk-through ("Conform and Deploy a Model") on the embedded fleet.
# Everything happens under ./demo-work: its own HOME (so ~/.fastscore is not touched) and
# its own FASTSCORE_HOME.
set -eu
bindir=$(cd "$(dirname "$1")" && pwd)
export PATH="$bindir:$PATH"
root=$(cd "$(dirname "$0")/.." && pwd)
work=$root/demo-work
rm -rf "$work"
mkdir -p "$work/home" "$work/library/scripts" "$work/library/schemas" "$work/library/models" "$work/library/streams"
export HOME="$work/home" FASTSCORE_HOME="$work/fastscore"
cp "$root/fixtures/guide/xgboost_iris_inputs.jsons" "$work/library/scripts/"
cp "$root/fixtures/guide/xgboost_iris_output.avsc" "$work/library/schemas/"
cp "$root/fixtures/guide/xgboost_iris.py3" "$work/library/models/"
cp "$root/fixtures/guide/rest.json" "$work/library/streams/"
cd "$work"

step() { printf '\n$ %s\n' "$*"; "$@"; }

step fastscore schema infer library/scripts/xgboost_iris_inputs.jsons
fastscore schema infer library/scripts/xgboost_iris_inputs.jsons > library/schemas/xgboost_iris_input.avsc
step fastscore schema add xgboost_input library/schemas/xgboost_iris_input.avsc
step fastscore schema add xgboost_output library/schemas/xgboost_iris_output.avsc
step fastscore model add xgboost_iris-py3 library/models/xgboost_iris.py3
step fastscore stream add rest library/streams/rest.json
step fastscore schema verify xgboost_input library/scripts/xgboost_iris_inputs.jsons
step fastscore model list
step fastscore schema list -v
step fastscore stream show rest
step fastscore fleet
