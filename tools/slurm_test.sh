#!/usr/bin/env bash
# Testing on a Slurm cluster (e.g. 30-view Kinetics-400 testing):
#   tools/slurm_test.sh PARTITION JOB_NAME CONFIG CHECKPOINT [test.py arguments]
# GPUS (default 8), GPUS_PER_NODE (8), CPUS_PER_TASK (5), SRUN_ARGS configure it.
set -x
PARTITION=$1
JOB_NAME=$2
CONFIG=$3
CHECKPOINT=$4
GPUS=${GPUS:-8}
GPUS_PER_NODE=${GPUS_PER_NODE:-8}
CPUS_PER_TASK=${CPUS_PER_TASK:-5}
SRUN_ARGS=${SRUN_ARGS:-""}
PY_ARGS=${@:5}
HERE=$(cd "$(dirname "$0")" && pwd)

PYTHONPATH="$HERE/..":$PYTHONPATH \
srun -p ${PARTITION} \
    --job-name=${JOB_NAME} \
    --gres=gpu:${GPUS_PER_NODE} \
    --ntasks=${GPUS} \
    --ntasks-per-node=${GPUS_PER_NODE} \
    --cpus-per-task=${CPUS_PER_TASK} \
    --kill-on-bad-exit=1 \
    ${SRUN_ARGS} \
    python -u "$HERE/test.py" ${CONFIG} ${CHECKPOINT} --launcher="slurm" ${PY_ARGS}
