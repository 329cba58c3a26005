#!/usr/bin/env bash
# Distributed training on one machine or several:
#   tools/dist_train.sh CONFIG GPUS [train.py arguments]
# NNODES, NODE_RANK, MASTER_ADDR and PORT configure multi-node runs
# (tools/dist_launch.sh).
set -e
CONFIG=$1
GPUS=$2
exec bash "$(dirname "$0")/dist_launch.sh" train.py "$GPUS" \
    "$CONFIG" --launcher pytorch "${@:3}"
