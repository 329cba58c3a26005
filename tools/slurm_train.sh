#!/usr/bin/env bash
# Training on a Slurm cluster:
#   tools/slurm_train.sh PARTITION JOB_NAME CONFIG [train.py arguments]
# GPUS (default 8), GPUS_PER_NODE (8), CPUS_PER_TASK (5), SRUN_ARGS configure it
# (tools/slurm_launch.sh).
PARTITION=$1
JOB_NAME=$2
CONFIG=$3
exec bash "$(dirname "$0")/slurm_launch.sh" ${PARTITION} ${JOB_NAME} train.py \
    ${CONFIG} --launcher="slurm" "${@:4}"
