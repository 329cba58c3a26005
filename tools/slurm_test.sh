#!/usr/bin/env bash
# Testing on a Slurm cluster (e.g. 30-view Kinetics-400 testing):
#   tools/slurm_test.sh PARTITION JOB_NAME CONFIG CHECKPOINT [test.py arguments]
# GPUS (default 8), GPUS_PER_NODE (8), CPUS_PER_TASK (5), SRUN_ARGS configure it
# (tools/slurm_launch.sh).
PARTITION=$1
JOB_NAME=$2
CONFIG=$3
CHECKPOINT=$4
exec bash "$(dirname "$0")/slurm_launch.sh" ${PARTITION} ${JOB_NAME} test.py \
    ${CONFIG} ${CHECKPOINT} --launcher="slurm" "${@:5}"
