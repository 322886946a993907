"""The peer: one DPO step as a user would write it with PyTorch + transformers, on the Gemma-3-270m shapes.

bf16 weights, SDPA attention, a frozen bf16 reference under no_grad, sigmoid loss (beta 0.1), completion
log-probs from full fp32 logits (what most DPO code does), torch.optim.AdamW(fused=True). Prints one
table row: median step time over the timed steps, tokens/s, peak memory, and MFU against a bf16 matmul
measured in the same run.

usage: python3 bench/dpo_peer.py [--pairs 8] [--length 512] [--warmup 5] [--steps 20]
"""
import argparse, json, statistics, time
import torch
import torch.nn.functional as F
from make_random_gemma3 import model


def matmul_rate():
    a = torch.randn(8192, 8192, device="cuda", dtype=torch.bfloat16)
    b = torch.randn(8192, 8192, device="cuda", dtype=torch.bfloat16)
    for _ in range(3): a @ b
    torch.cuda.synchronize()
    t = time.perf_counter()
    for _ in range(10): a @ b
    torch.cuda.synchronize()
    return 10 * 2 * 8192 ** 3 / (time.perf_counter() - t)


def completion_logps(m, ids, mask, completion):
    logits = m(input_ids=ids, attention_mask=mask).logits[:, :-1].float()
    logp = torch.gather(F.log_softmax(logits, -1), 2, ids[:, 1:, None]).squeeze(2)
    return (logp * completion[:, 1:]).sum(-1)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--pairs", type=int, default=8)
    p.add_argument("--length", type=int, default=512)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--steps", type=int, default=20)
    a = p.parse_args()
    peak_rate = matmul_rate()
    policy = model(0).cuda().train()
    reference = model(0).cuda().eval().requires_grad_(False)
    opt = torch.optim.AdamW(policy.parameters(), lr=5e-6, fused=True)
    g = torch.Generator(device="cuda").manual_seed(0)
    ids = torch.randint(3, 262144, (2 * a.pairs, a.length), device="cuda", generator=g)
    mask = torch.ones_like(ids)
    completion = torch.zeros_like(ids, dtype=torch.float32)
    completion[:, a.length // 2:] = 1
    times = []
    torch.cuda.reset_peak_memory_stats()
    for step in range(a.warmup + a.steps):
        torch.cuda.synchronize()
        t = time.perf_counter()
        with torch.no_grad():
            ref = completion_logps(reference, ids, mask, completion)
        pol = completion_logps(policy, ids, mask, completion)
        delta = (pol[: a.pairs] - ref[: a.pairs]) - (pol[a.pairs:] - ref[a.pairs:])
        loss = -F.logsigmoid(0.1 * delta).mean()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(policy.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        torch.cuda.synchronize()
        if step >= a.warmup: times.append(time.perf_counter() - t)
    step_s = statistics.median(times)
    tokens = 2 * a.pairs * a.length
    n = sum(p.numel() for p in policy.parameters())
    flops = 8 * n * tokens  # policy forward+backward (6N) + reference forward (2N) per token; attention left out
    print(f"| peer (torch {torch.__version__}, transformers) | {step_s * 1e3:.1f} ms | {tokens / step_s:,.0f} | "
          f"{torch.cuda.max_memory_allocated() / 2**30:.1f} GiB allocated ({torch.cuda.max_memory_reserved() / 2**30:.1f} reserved) | "
          f"{flops / step_s / 1e12:.0f} of {peak_rate / 1e12:.0f} TFLOP/s ({100 * flops / step_s / peak_rate:.1f}%) | loss {loss.item():.4f} |")
    print("PEER_JSON " + json.dumps({"step_ms": step_s * 1e3, "tokens_per_s": tokens / step_s,
                                     "peak_allocated_gib": torch.cuda.max_memory_allocated() / 2**30,
                                     "peak_reserved_gib": torch.cuda.max_memory_reserved() / 2**30,
                                     "matmul_tflops": peak_rate / 1e12, "parameters": n}))


if __name__ == "__main__":
    main()
