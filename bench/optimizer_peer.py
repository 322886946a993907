#!/usr/bin/env python3
"""PyTorch's side of the optimizer benchmark: torch.optim.AdamW(fused=True) over the 127
two-dimensional weights of Gemma-3-270M (268M parameters), fp32 and bf16, plus the card's
device-to-device copy bandwidth measured in the same run. Prints a table; --csv appends rows.

usage: python3 bench/optimizer_peer.py [--steps 30] [--csv FILE]
"""
import argparse
import statistics

import torch


def gemma270m_shapes():
    shapes = [(262144, 640)]
    for _ in range(18):
        shapes += [(1024, 640), (256, 640), (256, 640), (640, 1024), (2048, 640), (2048, 640), (640, 2048)]
    return shapes


def time_ms(fn, steps, warmup=5):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(steps):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end))
    return statistics.median(times)


def copy_bandwidth_gbs():
    n = 1 << 28  # 1 GiB of fp32
    a = torch.rand(n, device="cuda")
    b = torch.empty_like(a)
    ms = time_ms(lambda: b.copy_(a), 20, warmup=3)
    del a, b
    return 2 * n * 4 / (ms * 1e-3) / 1e9


def fused_adamw(dtype, steps, masked=False):
    gen = torch.Generator(device="cuda").manual_seed(0)
    params = [torch.nn.Parameter(torch.rand(s, device="cuda", dtype=dtype, generator=gen) * 2 - 1) for s in gemma270m_shapes()]
    for p in params:
        p.grad = (torch.rand(p.shape, device="cuda", dtype=dtype, generator=gen) - 0.5) * 2e-2
    opt = torch.optim.AdamW(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01, fused=True)
    ms = time_ms(opt.step, steps)
    elements = sum(p.numel() for p in params)
    # fp32: read p g m v, write p m v = 28 B/element. bf16 params (torch keeps bf16 moments, no master): 14 B.
    bytes_per = 28 if dtype == torch.float32 else 14
    memory = sum(s.numel() * s.element_size() for st in opt.state.values() for s in st.values() if torch.is_tensor(s))
    del opt, params
    torch.cuda.empty_cache()
    return ms, elements, bytes_per, memory


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--csv")
    args = ap.parse_args()
    name = torch.cuda.get_device_name()
    copy = copy_bandwidth_gbs()
    print(f"torch {torch.__version__} on {name}; device-to-device copy {copy:.0f} GB/s (read + write)")
    print(f"{'optimizer':<34} {'ms/step':>9} {'GB/s':>8} {'%copy':>7} {'state MiB':>10}")
    rows = []
    for dtype in (torch.float32, torch.bfloat16):
        ms, n, bpe, mem = fused_adamw(dtype, args.steps)
        gbs = n * bpe / (ms * 1e-3) / 1e9
        label = f"torch AdamW(fused) {str(dtype).replace('torch.', '')}"
        print(f"{label:<34} {ms:>9.3f} {gbs:>8.0f} {100 * gbs / copy:>6.1f}% {mem / 2**20:>10.0f}")
        rows.append(f"torch-fused,{name},{str(dtype).replace('torch.', '')},dense,1.0,{ms:.4f},{gbs:.1f},{copy:.1f},{mem}")
    if args.csv:
        with open(args.csv, "a") as f:
            f.write("\n".join(rows) + "\n")


if __name__ == "__main__":
    main()
