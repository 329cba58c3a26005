#!/usr/bin/env bash
# The torch.distributed launcher behind dist_train.sh and dist_test.sh:
#   tools/dist_launch.sh SCRIPT GPUS [SCRIPT arguments]
# runs tools/SCRIPT in GPUS processes per machine; NNODES (default 1),
# NODE_RANK (0), MASTER_ADDR (127.0.0.1) and PORT (29500) configure
# multi-node runs.
set -e
HERE=$(cd "$(dirname "$0")" && pwd)
# one thread per process unless set (what torch.distributed.run and MMEngine
# would choose, without their warnings)
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
export MKL_NUM_THREADS=${MKL_NUM_THREADS:-1}

PYTHONPATH="$HERE/..":$PYTHONPATH \
python -m torch.distributed.run \
    --nnodes=${NNODES:-1} \
    --node_rank=${NODE_RANK:-0} \
    --master_addr=${MASTER_ADDR:-"127.0.0.1"} \
    --nproc_per_node=$2 \
    --master_port=${PORT:-29500} \
    "$HERE/$1" "${@:3}"
