#!/usr/bin/env bash
# The GPU checks of issue 19 in one script, for a lent GPU machine with no internet (see docs/throughput.md):
#   bash benchmarks/gpu.sh OUT_DIR              # every part (about 14 minutes: more than one session's device time)
#   PARTS="nbval_cuda epoch_rate" bash benchmarks/gpu.sh OUT_DIR   # only these parts
# Expects, beside the checkout: .gpu/whl/*.whl (IPython, nbformat, ipywidgets, nbval, ipykernel, pytest-timeout and
# their needs, for Python 3.12: `pip download --only-binary=:all: --python-version 3.12 --platform manylinux2014_x86_64 ...`)
# and .gpu/fashion-mnist/*.gz (Debian's dataset-fashion-mnist files). Each part has its own time limit and
# writes into a work folder that is packed into OUT_DIR/results.tgz after every part, so one failing or
# cut-off part never hides the others' results.
set -u
DEST=${1:?give an output folder}
OUT=$(mktemp -d)/gpu-results
mkdir -p "$OUT" "$DEST"
export PYTHONUNBUFFERED=1 GANCOURSE_DATA=/tmp/gc-data GANCOURSE_CACHE=/tmp/gc-cache MPLBACKEND=Agg
if [ -d .gpu/whl ]; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/site .gpu/whl/*.whl \
    && export PYTHONPATH=/tmp/site
fi
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
if [ -d .gpu/fashion-mnist ]; then mkdir -p /usr/share/datasets/fashion-mnist && cp .gpu/fashion-mnist/*.gz /usr/share/datasets/fashion-mnist/; fi
part() {  # part NAME SECONDS COMMAND...: run with a limit, keep its log, note its exit status and time
  local name=$1 limit=$2; shift 2
  case " ${PARTS:-$name} " in *" $name "*) ;; *) return 0 ;; esac  # not picked
  local start=$SECONDS
  timeout "$limit" "$@" >"$OUT/$name.log" 2>&1
  echo "$name: exit $? after $((SECONDS - start)) s" | tee -a "$OUT/parts.txt"
  tar -czf "$DEST/results.tgz" -C "$(dirname "$OUT")" gpu-results
}
{ nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv; nproc; python3 -c "import torch, sys; print(sys.version, torch.__version__, torch.cuda.get_device_name())"; } >"$OUT/env.txt" 2>&1
part cuda_tests 60 python3 -m pytest -q -p no:cacheprovider tests/test_train.py tests/test_autotune.py
# every solution notebook through nbval in a kernel of this Python, which picks the GPU (`choose_device`)
part nbval_cuda 240 env GANCOURSE_FAST=1 python3 -m pytest -q -p no:cacheprovider --nbval-lax --nbval-current-env \
  --nbval-cell-timeout=90 --durations=0 solutions
part epoch_rate 110 python3 benchmarks/epoch_rate.py --dataset fashion-mnist --epochs 3 --batch-size 256 --device cuda --out "$OUT/epoch_rate.json"
part throughput 150 python3 benchmarks/throughput.py --device cuda --steps 40 --min-seconds 5 --out "$OUT/throughput.md"
part notebooks_fast 130 env GANCOURSE_FAST=1 python3 benchmarks/notebooks.py solutions/*.ipynb --timeout 60 --out "$OUT/notebooks_fast.json"
part curves 190 python3 benchmarks/curves.py --dataset fashion-mnist --budget-s 70 --every-s 14 --n 2000 --device cuda --out "$OUT/curves"
for p in fp32 bf16; do
  part "quality_$p" 55 python3 benchmarks/quality.py --dataset fashion-mnist --models dcgan --steps 2000 --precision "$p" --device cuda --n-samples 5000 --out "$OUT/quality_$p.md"
done
cat "$OUT/parts.txt"
