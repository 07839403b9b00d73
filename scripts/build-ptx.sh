#!/usr/bin/env bash
# Regenerates the committed PTX of every CUDA kernel family and checks it with ptxas for sm_80 and sm_90.
# Each PTX starts with "// unitune-source-sha256 <hash>": the SHA-256 of the headers (in the order of
# KernelSources.HEADERS) followed by the family's .cu, which the tests and CudaDevice compare against the
# sources to catch a stale PTX. Needs nvcc/ptxas (CUDA 13 here); users without nvcc use the committed PTX.
# Usage: scripts/build-ptx.sh [family ...]   (default: every kernels/.../cu/*.cu)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cu="$root/kernels/src/main/resources/dev/unitune/kernels/cu"
ptx="$root/kernels/src/main/resources/dev/unitune/kernels/ptx"
headers=(unitune_dialect.h tiled_gemm.h) # must match KernelSources.HEADERS
arch="${PTX_ARCH:-compute_80}"           # PTX for compute_80 JIT-compiles on sm_80, sm_90 and newer
mkdir -p "$ptx"
families=("$@")
if [ ${#families[@]} -eq 0 ]; then
  for f in "$cu"/*.cu; do families+=("$(basename "$f" .cu)"); done
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for fam in "${families[@]}"; do
  src="$cu/$fam.cu"
  [ -f "$src" ] || { echo "build-ptx: no kernel source $src" >&2; exit 1; }
  hash="$(cd "$cu" && cat "${headers[@]}" "$fam.cu" | sha256sum | cut -d' ' -f1)"
  nvcc -ptx -arch="$arch" -O3 -std=c++14 -I "$cu" -o "$tmp/$fam.ptx" "$src"
  for sm in sm_80 sm_90; do
    ptxas -arch="$sm" -O3 -o /dev/null "$tmp/$fam.ptx" || { echo "build-ptx: ptxas rejected $fam for $sm" >&2; exit 1; }
  done
  { echo "// unitune-source-sha256 $hash"; cat "$tmp/$fam.ptx"; } > "$tmp/$fam.ptx.new"
  mv "$tmp/$fam.ptx.new" "$ptx/$fam.ptx"
  echo "build-ptx: $fam.ptx ($(wc -c < "$ptx/$fam.ptx") bytes; ptxas ok for sm_80, sm_90)"
done
