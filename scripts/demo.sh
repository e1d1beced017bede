#!/bin/sh
# The guide's walk-through ("Conform and Deploy a Model") on the embedded fleet, command for
# command. Everything happens under ./demo-work, with its own HOME (your ~/.fastscore is
# not touched) and FASTSCORE_HOME. Usage: demo.sh <fastscore binary> <attachment>
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
bindir=$(cd "$(dirname "$1")" && pwd)
attachment=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
export PATH="$bindir:$PATH"
work=$root/demo-work
export HOME="$work/home" FASTSCORE_HOME="$work/fastscore"
[ -d "$FASTSCORE_HOME" ] && fastscore engine stop >/dev/null 2>&1 || true
rm -rf "$work"
mkdir -p "$HOME" "$work/library/scripts" "$work/library/schemas" "$work/library/models" \
         "$work/library/attachments" "$work/library/streams"
cp "$root/fixtures/guide/xgboost_iris_inputs.jsons" "$work/library/scripts/"
cp "$root/fixtures/guide/xgboost_iris_output.avsc" "$work/library/schemas/"
cp "$root/fixtures/guide/xgboost_iris.py3" "$work/library/models/"
cp "$root/fixtures/guide/rest.json" "$work/library/streams/"
cp "$attachment" "$work/library/attachments/"
cd "$work"
trap 'fastscore engine stop >/dev/null 2>&1 || true' EXIT

step() { printf '\n$ %s\n' "$*"; "$@"; }

step fastscore schema infer library/scripts/xgboost_iris_inputs.jsons
fastscore schema infer library/scripts/xgboost_iris_inputs.jsons > library/schemas/xgboost_iris_input.avsc
step fastscore schema add xgboost_input library/schemas/xgboost_iris_input.avsc
step fastscore schema add xgboost_output library/schemas/xgboost_iris_output.avsc
step fastscore model add xgboost_iris-py3 library/models/xgboost_iris.py3
step fastscore attachment upload xgboost_iris-py3 library/attachments/xgboost_explicit.tar.gz
step fastscore stream add rest library/streams/rest.json
step fastscore use engine-1
step fastscore engine reset
step fastscore run xgboost_iris-py3 rest: rest:
step fastscore engine inspect
printf '\n$ head -10 library/scripts/xgboost_iris_inputs.jsons | fastscore model input\n'
head -10 library/scripts/xgboost_iris_inputs.jsons | fastscore model input
step fastscore model output
printf '\nThe other nine predictions (A, B, C per record):\n'
for i in 1 2 3 4 5 6 7 8 9; do fastscore model output; done
