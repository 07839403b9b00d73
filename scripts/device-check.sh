#!/usr/bin/env bash
# Device check in one call. Needs nothing on the machine but the NVIDIA driver (and python3 + PyTorch for
# the peer numbers): unpacks the bundle from scripts/build-device-bundle.sh, then
#   1. runs the CUDA device test suite (the shared BackendOpSuite property table, the op contract vs the
#      CPU backend, golden PyTorch cases, cross-module device tests) with the bundled JRE,
#   2. runs the GPU benchmarks (dev.unitune.kernels.bench.KernelBench gpu cuda),
#   3. runs the PyTorch peers on the same GPU (gpu-peers.py),
#   4. writes logs and results.md (our time, PyTorch's, ratio, fraction of the chip's peak) under $OUT.
# Every step has its own timeout (180 + 150 + 90 s at most on a GPU), so one hang still leaves the other
# logs; give the run tool a timeout_s of about 480 and rerun once if the machine was cold.
#
# Usage: scripts/device-check.sh [bundle.tar.gz]          (GPU machine; OUT defaults to ./device-out)
#        scripts/device-check.sh --local [bundle.tar.gz]   (the local half: CPU/OpenCL suite + PoCL-vs-CPU
#                                                           timings under the bundled JRE, no GPU needed)
set -uo pipefail
mode=gpu
if [ "${1:-}" = "--local" ]; then mode=local; shift; fi
here="$(cd "$(dirname "$0")" && pwd)"
bundle="${1:-dist/unitune-device-bundle.tar.gz}"
OUT="${OUT:-$PWD/device-out}"
mkdir -p "$OUT"
[ -f "$bundle" ] || { echo "device-check: bundle $bundle not found (make it with scripts/build-device-bundle.sh)" | tee "$OUT/summary.txt"; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
tar xzf "$bundle" -C "$work"
B="$work/bundle"
J="$B/jre/bin/java"
CP="$B/unitune.jar:$B/test-classes:$B/test-lib/*"
# golden files for the cross-module device tests: $GOLDEN_DIR, else the tracked copies in the tree
golden="${GOLDEN_DIR:-}"
for d in tests/src/test/resources/golden kernels/src/test/resources/golden; do
  [ -z "$golden" ] && [ -d "$d" ] && golden="$(cd "$d" && pwd)"
done
# JAVA_EXTRA passes more JVM options, e.g. -Dunitune.cuda.tensorCores=false to rerun without the tensor-core kernels
JOPTS="--add-modules jdk.incubator.vector -Xss8m -Xmx${JAVA_XMX:-24g} -Dunitune.golden.dir=${golden:-/nonexistent} ${JAVA_EXTRA:-}"
peers="$B/scripts/gpu-peers.py"; [ -f "$peers" ] || peers="$here/gpu-peers.py"
echo "bundle commit $(cat "$B/COMMIT" 2>/dev/null), mode $mode, $(date -u)" > "$OUT/summary.txt"
"$J" -version >> "$OUT/summary.txt" 2>&1

step() { # name timeout command...
  local name="$1" limit="$2"; shift 2
  local t0=$SECONDS
  timeout --kill-after=10 "$limit" "$@" > "$OUT/$name.log" 2>&1
  local rc=$?
  echo "step $name: rc=$rc ($((SECONDS - t0)) s)" | tee -a "$OUT/summary.txt"
  return 0
}

device_tests=""
if [ -d "$B/test-classes/dev/unitune/tests/device" ]; then
  for c in $(cd "$B/test-classes" && find dev/unitune/tests/device -name '*Test.class' ! -name '*$*' | sed 's/\.class$//; s#/#.#g'); do
    device_tests="$device_tests $c"
  done
fi

if [ "$mode" = gpu ]; then
  nvidia-smi > "$OUT/nvidia-smi.txt" 2>&1 || true
  step cuda-suite "${SUITE_TIMEOUT:-180}" "$J" $JOPTS -cp "$CP" dev.unitune.kernels.DeviceTestMain \
    dev.unitune.kernels.CudaBackendOpSuiteTest dev.unitune.kernels.CudaOpsTest dev.unitune.kernels.GoldenOpsCudaTest \
    dev.unitune.kernels.ProviderSelectionTest $device_tests
  step bench-java "${BENCH_TIMEOUT:-150}" "$J" $JOPTS -cp "$CP" dev.unitune.kernels.bench.KernelBench gpu cuda
  step bench-torch "${PEER_TIMEOUT:-90}" python3 "$peers"
else
  step cpu-suite "${SUITE_TIMEOUT:-600}" "$J" $JOPTS -cp "$CP" dev.unitune.kernels.DeviceTestMain \
    dev.unitune.kernels.OpenClBackendOpSuiteTest dev.unitune.kernels.OpenClOpsTest dev.unitune.kernels.GoldenOpsOpenClTest \
    dev.unitune.kernels.DeviceMemoryTest \
    dev.unitune.kernels.ProviderSelectionTest dev.unitune.kernels.PtxFreshnessTest dev.unitune.kernels.CudaOpsTest $device_tests
  step bench-java "${BENCH_TIMEOUT:-300}" "$J" $JOPTS -cp "$CP" dev.unitune.kernels.bench.KernelBench cpu cpu opencl
fi

grep -hE '^(FAIL|SKIP)' "$OUT"/*-suite.log 2>/dev/null | awk '!seen[$0]++' | head -40 >> "$OUT/summary.txt"
grep -hE 'tests (successful|failed|skipped|aborted)' "$OUT"/*-suite.log 2>/dev/null >> "$OUT/summary.txt"

python3 - "$OUT" <<'PY' || echo "device-check: no results table (python3 missing?)" >> "$OUT/summary.txt"
import glob, os, sys
out = sys.argv[1]
rows, devices = {}, {}
for path in glob.glob(os.path.join(out, "bench-*.log")):
    for line in open(path, errors="replace"):
        p = line.strip().split("|")
        if p[0] == "DEVICE" and len(p) >= 3: devices[p[1]] = p[2]
        if p[0] == "RESULT" and len(p) == 7:
            rows.setdefault((p[1], p[2], p[4]), {})[p[3]] = (float(p[5]), float(p[6]))
name = " ".join(devices.values())
# dense peaks in TFLOPS: (f16/bf16 tensor cores, f32 FMA); H100 SXM and H200 share the GH100 chip's numbers
peak = (989.0, 67.0) if ("H100" in name or "H200" in name) and "PCIe" not in name else (756.0, 51.0) if "H100" in name else None
backends = sorted({b for r in rows.values() for b in r})
gpu = any(b in ("cuda", "torch") for b in backends)
unit, scale = ("TFLOPS", 1000.0) if gpu else ("GFLOPS", 1.0)
lines = ["# Device check results", "", "Devices: " + "; ".join(f"{k}: {v}" for k, v in devices.items()), ""]
head = "| op | shape | dtype | " + " | ".join(f"{b} ms | {b} {unit}" for b in backends) + " | ours / peer | % of peak |"
lines += [head, "|" + "---|" * (head.count("|") - 1)]
for (op, shape, dt), r in sorted(rows.items()):
    cells = []
    for b in backends:
        cells += [f"{r[b][0]:.3f}", f"{r[b][1] / scale:.2f}"] if b in r else ["-", "-"]
    ours = next((r[b] for b in ("cuda", "opencl") if b in r), None)
    peer = r.get("torch") or r.get("cpu")
    ratio = f"{peer[0] / ours[0]:.2f}x" if ours and peer else "-"
    pk = peak[0] if peak and dt in ("f16", "bf16") else peak[1] if peak else None
    pct = f"{100 * ours[1] / 1000 / pk:.1f}%" if ours and pk else "-"
    lines.append(f"| {op} | {shape} | {dt} | " + " | ".join(cells) + f" | {ratio} | {pct} |")
lines += ["", "ours / peer = peer time / our time (above 1: we are faster). Peer: torch on GPU runs, the Java CPU backend on CPU runs."]
open(os.path.join(out, "results.md"), "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
cat "$OUT/summary.txt"
