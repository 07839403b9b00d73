"""conv2d peer for `unitune bench kernels`: PyTorch CPU conv2d (oneDNN in Debian's python3-torch 1.13).

Protocol (one request per line on stdin, one answer per line on stdout):
  start-up  -> "ready torch <version> threads=<n>"   or "error <why>"
  "conv <n> <c> <h> <w> <o> <kh> <kw> <stride> <pad> <reps>"  -> "<best seconds over reps>"
  "quit"
The thread count is the first argument (torch.set_num_threads).
"""
import sys
import time


def main():
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    try:
        import torch
    except Exception as e:  # noqa: BLE001 - report any import failure as a missing peer
        print(f"error torch not importable: {e}", flush=True)
        return
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    print(f"ready torch {torch.__version__} threads={torch.get_num_threads()}", flush=True)
    for line in sys.stdin:
        parts = line.split()
        if not parts or parts[0] == "quit":
            break
        if parts[0] != "conv":
            print(f"error unknown request {parts[0]}", flush=True)
            continue
        n, c, h, w, o, kh, kw, stride, pad, reps = map(int, parts[1:11])
        x = torch.rand(n, c, h, w)
        weight = torch.rand(o, c, kh, kw) * 0.01
        bias = torch.rand(o)
        best = float("inf")
        with torch.no_grad():
            torch.nn.functional.conv2d(x, weight, bias, stride=stride, padding=pad)  # warm-up
            for _ in range(reps):
                t0 = time.perf_counter()
                torch.nn.functional.conv2d(x, weight, bias, stride=stride, padding=pad)
                best = min(best, time.perf_counter() - t0)
        print(f"{best:.9f}", flush=True)


if __name__ == "__main__":
    main()
