#!/usr/bin/env bash
# What the bench's PyTorch comparison needs (npm run bench:setup), on Debian
# or Ubuntu:
#
#   python3-torch, python3-torchvision, python3-onnx   torch 1.13 for /usr/bin/python3
#   python3-threadpoolctl                               the worker reports its BLAS pool with it
#   libopenblas0-pthread                                OpenBLAS, for the torch-openblas variant
#
# then writes the full-size torchvision exports to bench/models/cache/
# (git-ignored) with scripts/bench-torch/export.py.
#
# Installing libopenblas0-pthread makes OpenBLAS the system's libblas.so.3
# (update-alternatives, auto mode). The bench does not need that: it picks
# each worker's BLAS itself with LD_LIBRARY_PATH (reference BLAS for `torch`,
# OpenBLAS for `torch-openblas`). So the alternatives are put back to what
# they were before this script ran, and other programs keep the BLAS they had.
#
# Nothing here is part of `npm test`.
set -euo pipefail

cd "$(dirname "$0")/../.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "bench:setup: needs root (or sudo) for apt-get" >&2
    exit 1
  fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "bench:setup: apt-get not found; install torch 1.13+, torchvision, onnx and threadpoolctl for /usr/bin/python3 (or set EDGETUNE_BENCH_PYTHON) and OpenBLAS by hand" >&2
  exit 1
fi

# the BLAS and LAPACK alternatives as they are now
declare -A BEFORE=()
for link in /etc/alternatives/libblas.so.3-* /etc/alternatives/liblapack.so.3-*; do
  [ -e "$link" ] || continue
  BEFORE["$(basename "$link")"]="$(readlink "$link")"
done

$SUDO apt-get install -y python3-torch python3-torchvision python3-onnx python3-threadpoolctl libopenblas0-pthread

for name in "${!BEFORE[@]}"; do
  now="$(readlink "/etc/alternatives/$name")"
  if [ "$now" != "${BEFORE[$name]}" ]; then
    echo "bench:setup: putting $name back to ${BEFORE[$name]} (the bench chooses each worker's BLAS itself)"
    $SUDO update-alternatives --set "$name" "${BEFORE[$name]}"
  fi
done

PY="${EDGETUNE_BENCH_PYTHON:-/usr/bin/python3}"
"$PY" -c "import torch, torchvision, onnx; print('torch', torch.__version__, 'torchvision', torchvision.__version__, 'onnx', onnx.__version__)"
"$PY" scripts/bench-torch/export.py

# what each variant runs on
for dir in blas openblas-pthread; do
  libdir="$(ls -d /usr/lib/*-linux-gnu/"$dir" 2>/dev/null | head -n 1 || true)"
  if [ -z "$libdir" ]; then
    echo "bench:setup: /usr/lib/<triplet>/$dir is missing"
    continue
  fi
  LD_LIBRARY_PATH="$libdir" "$PY" - <<'EOF'
import os, torch
libs = sorted({l.split()[-1] for l in open('/proc/self/maps') if 'blas' in os.path.basename(l.split()[-1])})
print('LD_LIBRARY_PATH=' + os.environ['LD_LIBRARY_PATH'] + ': torch maps ' + ', '.join(libs))
EOF
done
