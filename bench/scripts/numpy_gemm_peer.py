"""SGEMM peer for `unitune bench kernels`: numpy's matmul (numpy 2.x ships its own OpenBLAS).

Protocol (one request per line on stdin, one answer per line on stdout):
  start-up  -> "ready numpy <version> <blas info>"   or "error <why>"
  "gemm <batch> <m> <n> <k> <reps>"  -> "<best seconds over reps>"
  "quit"
The thread count comes from OPENBLAS_NUM_THREADS, set by the caller for this process only.
"""
import sys
import time


def main():
    try:
        import numpy as np
    except Exception as e:  # noqa: BLE001 - report any import failure as a missing peer
        print(f"error numpy not importable: {e}", flush=True)
        return
    blas = ""
    try:
        cfg = np.show_config(mode="dicts")
        blas = cfg.get("Build Dependencies", {}).get("blas", {}).get("name", "")
    except Exception:  # noqa: BLE001 - older numpy: the name is only informative
        pass
    print(f"ready numpy {np.__version__} {blas}".strip(), flush=True)
    rng = np.random.default_rng(0)
    for line in sys.stdin:
        parts = line.split()
        if not parts or parts[0] == "quit":
            break
        if parts[0] != "gemm":
            print(f"error unknown request {parts[0]}", flush=True)
            continue
        batch, m, n, k, reps = map(int, parts[1:6])
        shape_a = (batch, m, k) if batch > 1 else (m, k)
        shape_b = (batch, k, n) if batch > 1 else (k, n)
        a = rng.random(shape_a, dtype=np.float32)
        b = rng.random(shape_b, dtype=np.float32)
        out = np.matmul(a, b)  # warm-up, and the output buffer reused below
        best = float("inf")
        for _ in range(reps):
            t0 = time.perf_counter()
            np.matmul(a, b, out=out)
            best = min(best, time.perf_counter() - t0)
        print(f"{best:.9f}", flush=True)


if __name__ == "__main__":
    main()
