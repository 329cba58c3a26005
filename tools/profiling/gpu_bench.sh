#!/usr/bin/env bash
# One GPU run of the CUDA benchmarks of docs/benchmark.md (under 10 minutes on an H100):
#   1. the CUDA cost volume tests (Triton kernels, pairs and in-place frame pairs,
#      checked against the reference),
#   2. tools/profiling/benchmark_cost_volume.py (B=8, T=16, 224; unfold vs Triton, plus
#      Triton variants to tune the kernels: TRITON_CONFIGS, space-separated),
#   3. tools/profiling/benchmark.py, R2D-50 baseline vs HCML, fp32, with_cp none/flow/all,
#   4. tools/profiling/profile_step.py: where the joint step's extra time goes (+ op table),
#   5. the tiled forward formulations (FORWARD_TILED=1/2, untimed so far): their CUDA
#      equality tests, then benchmark_cost_volume.py timing them beside the default
#      kernel (TILED_CONFIGS); last, in what is left of 590 s, so they never cut 1-4.
# (FLOPs need no GPU: tools/profiling/get_flops.py on any machine; bf16: add --amp bf16.)
# Step time limits of 1-4 add up to 550 s, below the 600 s of one device command.
# Everything lands in $OUT (JSON + one log per step + steps.tsv). A failing step is
# recorded and the next one runs. Dry run on a CPU with tiny shapes: BENCH_TINY=1.
# Run from anywhere:  bash tools/profiling/gpu_bench.sh   (with carry=[".whl"])
cd "$(dirname "$0")/../.." || exit 1
if [ "${BENCH_TINY:-0}" != 1 ] || ls .whl/*.whl >/dev/null 2>&1; then
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl && export PYTHONPATH=/tmp/site:$PWD || exit; fi
export PYTHONPATH="${PYTHONPATH:-$PWD}"
OUT="${OUT:-$PWD/work_dirs/gpu_bench}"
mkdir -p "$OUT"
PY=python3
START=$(date +%s)
: > "$OUT/steps.tsv"

step() {  # step NAME TIMEOUT_S COMMAND...: log, time, record the exit status
  local name=$1 limit=$2; shift 2
  local t0=$(date +%s)
  echo "[gpu_bench +$((t0 - START))s] $name: $*" | tee -a "$OUT/progress.log"
  timeout --kill-after=10 "$limit" "$@" > "$OUT/$name.log" 2>&1
  local rc=$?
  local secs=$(( $(date +%s) - t0 ))
  printf '%s\t%s\t%ss\n' "$name" "$rc" "$secs" >> "$OUT/steps.tsv"
  if [ "$rc" -ne 0 ]; then
    echo "[gpu_bench] $name FAILED (rc=$rc, ${secs}s); last lines:" | tee -a "$OUT/progress.log"
    tail -n 15 "$OUT/$name.log" | tee -a "$OUT/progress.log"
  else
    echo "[gpu_bench] $name ok (${secs}s)" | tee -a "$OUT/progress.log"
  fi
  return 0
}

if [ "${BENCH_TINY:-0}" = 1 ]; then
  DEV=cpu
  CV_ARGS=(--batch 1 --frames 4 --size 64 --iters 1 --warmup 0)
  CV_IMPLS=(unfold triton triton_temporal)
  MODEL_ARGS=(--shape 8 64 64 --batch 1 --iters 1 --warmup 0)
  PROFILE_ARGS=(--shape 8 64 64 --batch 1 --iters 1 --warmup 0 --top 10)
else
  DEV=cuda
  CV_ARGS=(--batch 8 --frames 16 --size 224 --iters 20 --warmup 5)
  CV_IMPLS=(unfold triton triton_temporal)
  MODEL_ARGS=(--shape 16 224 224 --batch 8 --iters 20 --warmup 5)
  PROFILE_ARGS=(--shape 16 224 224 --batch 8 --iters 10 --warmup 3 --top 40)
fi

step env 30 bash -c "nvidia-smi || true; $PY -c 'import torch, sys; print(sys.version); print(torch.__version__, torch.version.cuda, torch.cuda.is_available())'; $PY -c 'import triton; print(\"triton\", triton.__version__)' || true; $PY -c 'import mmhcml, mmaction, mmengine; print(mmaction.__version__, mmengine.__version__)'"
# the CUDA checks of the kernels (the interpreter runs them in CI, not here)
step cost_volume_tests 90 $PY -m pytest -q -p no:cacheprovider -k "not in_the_interpreter and not cuda_tiled" \
  tests/test_models/test_cost_volume.py tests/test_models/test_cost_volume_paths.py
read -r -a TRITON_CONFIGS <<< "${TRITON_CONFIGS:-FORWARD_PRENORM=1 BLOCK_ELEMS=512 BLOCK_ELEMS=2048 CHANNEL_UNROLL=8 BLOCK_W=32 PROGRAMS_PER_SM=8}"
step cost_volume_bench 120 $PY tools/profiling/benchmark_cost_volume.py --device $DEV \
  "${CV_ARGS[@]}" --impls "${CV_IMPLS[@]}" --triton-configs "${TRITON_CONFIGS[@]}" \
  --out "$OUT/cost_volume_$DEV.json"
for cp in none flow all; do  # PMBs on impl='auto': Triton on CUDA
  step "model_bench_r2d50_fp32_cp_$cp" 80 $PY tools/profiling/benchmark.py --device $DEV \
    "${MODEL_ARGS[@]}" --amp none --cost-volume-impl auto --with-cp $cp \
    --out "$OUT/model_r2d50_${DEV}_fp32_cp_$cp.json"
done
step profile_step_fp32 70 $PY tools/profiling/profile_step.py --device $DEV \
  "${PROFILE_ARGS[@]}" --ops joint --out "$OUT/profile_step_${DEV}_fp32.json"
# the tiled forward (FORWARD_TILED in cost_volume_triton.py): checked on CUDA, then timed
# against the default kernel in the same process, each within what is left of 590 s
left() { echo $(( 590 - ($(date +%s) - START) )); }
if [ "$(left)" -ge 30 ]; then
  step cost_volume_tiled_tests $(( $(left) < 60 ? $(left) : 60 )) $PY -m pytest -q \
    -p no:cacheprovider -k cuda_tiled tests/test_models/test_cost_volume_paths.py
fi
read -r -a TILED_CONFIGS <<< "${TILED_CONFIGS:-FORWARD_TILED=1 FORWARD_TILED=2 FORWARD_TILED=1,TILED_ELEMS=2048 FORWARD_TILED=1,TILED_ELEMS=8192 FORWARD_TILED=1,CHANNEL_UNROLL=1}"
if [ "$(left)" -ge 30 ]; then
  step cost_volume_tiled_bench $(( $(left) < 120 ? $(left) : 120 )) $PY \
    tools/profiling/benchmark_cost_volume.py --device $DEV "${CV_ARGS[@]}" --no-step \
    --impls triton triton_temporal --triton-configs "${TILED_CONFIGS[@]}" \
    --out "$OUT/cost_volume_tiled_$DEV.json"
else
  echo "[gpu_bench] tiled forward skipped: $(left) s left" | tee -a "$OUT/progress.log"
fi
echo "[gpu_bench] done in $(( $(date +%s) - START ))s; steps (name, exit status, time):"
cat "$OUT/steps.tsv"
ls -l "$OUT"
