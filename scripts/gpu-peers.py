#!/usr/bin/env python3
"""PyTorch peers for KernelBench on the same GPU, printing the same RESULT|op|shape|backend|dtype|ms|gflops lines.

torch.matmul (TF32 off for f32, so f32 is compared with plain f32 FMA arithmetic like ours),
torch.nn.functional.scaled_dot_product_attention, torch.nn.functional.conv2d with cuDNN (TF32 off).
Each case: 2 warm-up calls, then the median of 20 CUDA-event-timed calls. Shapes mirror
dev.unitune.kernels.bench.KernelBench.gpuCases.
"""
import sys

try:
    import torch
    import torch.nn.functional as F
except Exception as e:  # no torch: say so on one line, do not crash the device check
    print(f"SKIP|torch|{e}")
    sys.exit(0)

if not torch.cuda.is_available():
    print("SKIP|torch|no CUDA device visible to PyTorch")
    sys.exit(0)

torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
torch.backends.cudnn.benchmark = True
dev = torch.device("cuda")
DT = {"f32": torch.float32, "bf16": torch.bfloat16, "f16": torch.float16}


def timed(fn, reps=20):
    fn(); fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(reps):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record(); fn(); b.record()
        torch.cuda.synchronize()
        times.append(a.elapsed_time(b))
    times.sort()
    return times[len(times) // 2]


def report(op, shape, dt, flops, ms):
    print(f"RESULT|{op}|{shape}|torch|{dt}|{ms:.3f}|{flops / (ms * 1e-3) / 1e9:.1f}", flush=True)


def rand(dt, *shape):
    return torch.rand(*shape, device=dev, dtype=DT[dt]) * 2 - 1


print(f"DEVICE|torch|{torch.cuda.get_device_name(0)} torch {torch.__version__} cuDNN {torch.backends.cudnn.version()}")
for dt in ("f32", "bf16", "f16"):
    for m, n, k in ((4096, 4096, 4096), (8192, 1280, 320), (2048, 2560, 640), (512, 5120, 1280)):
        x, y = rand(dt, m, k), rand(dt, k, n)
        report("matmul", f"{m}x{k}x{n}", dt, 2.0 * m * n * k, timed(lambda: torch.matmul(x, y)))
for dt in ("f32", "f16"):
    for b, h, lq, lk, d in ((2, 8, 4096, 4096, 40), (2, 8, 4096, 4096, 64), (2, 8, 4096, 77, 40)):
        q, k, v = rand(dt, b, h, lq, d), rand(dt, b, h, lk, d), rand(dt, b, h, lk, d)
        report("attention", f"{b}x{h}x{lq}x{lk}x{d}", dt, 4.0 * b * h * lq * lk * d,
               timed(lambda: F.scaled_dot_product_attention(q, k, v)))
    for n, c, hh, ww, o in ((2, 320, 64, 64, 320), (2, 640, 32, 32, 640), (2, 1280, 16, 16, 1280)):
        x, w, bias = rand(dt, n, c, hh, ww), rand(dt, o, c, 3, 3), rand(dt, o)
        report("conv2d3x3", f"{n}x{c}x{hh}x{ww}->{o}", dt, 2.0 * n * o * hh * ww * c * 9,
               timed(lambda: F.conv2d(x, w, bias, padding=1)))
