#!/usr/bin/env bash
# One prepared GPU session (device time is short; try `python benchmarks/gpu_kernels.py
# --smoke` on CPU first): what the machine has, the Triton kernels against the reference
# on the GPU, then the benchmark. Results go to $OUT (or ./gpu-results).
#
#   bash benchmarks/gpu_session.sh
#
# Needs a Python with a CUDA build of torch (which brings triton), numpy and pytest; the
# package is used from src/ without installing it (a GPU machine may be offline).
set -uo pipefail
cd "$(dirname "$0")/.."
OUT="${OUT:-gpu-results}"
mkdir -p "$OUT"
PY="${PYTHON:-python}"
export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}"
{
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv || true
  "$PY" -c "import sys, torch; print(sys.version); print('torch', torch.__version__, 'cuda', torch.version.cuda, torch.cuda.is_available())"
  "$PY" -c "import triton; print('triton', triton.__version__)" || echo "no triton"
} 2>&1 | tee "$OUT/machine.txt"
"$PY" -m pytest -q -p no:cacheprovider tests/test_kernels_triton.py 2>&1 | tee "$OUT/test_kernels_triton.txt"
tests=${PIPESTATUS[0]}
"$PY" benchmarks/gpu_kernels.py --json-out "$OUT/gpu_kernels.json" 2>&1 | tee "$OUT/gpu_kernels.txt"
bench=${PIPESTATUS[0]}
echo "tests exit $tests, benchmark exit $bench" | tee -a "$OUT/machine.txt"
[ "$tests" -eq 0 ] && [ "$bench" -eq 0 ]
