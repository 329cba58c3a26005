#!/usr/bin/env bash
# Distributed testing (e.g. 30-view Kinetics-400 testing):
#   tools/dist_test.sh CONFIG CHECKPOINT GPUS [test.py arguments]
# NNODES, NODE_RANK, MASTER_ADDR and PORT as for tools/dist_train.sh.
set -e
CONFIG=$1
CHECKPOINT=$2
GPUS=$3
exec bash "$(dirname "$0")/dist_launch.sh" test.py "$GPUS" \
    "$CONFIG" "$CHECKPOINT" --launcher pytorch "${@:4}"
