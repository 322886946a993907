"""Does a checkpoint we wrote load in transformers and give the logits our model gives?

  python3 bench/check_checkpoint.py ids OUT.safetensors [--batch 2] [--length 256] [--vocab 262144]
      writes seeded random input_ids for both sides
  python3 bench/check_checkpoint.py compare SNAPSHOT IDS.safetensors OURS.safetensors --dtype bfloat16|float32
      loads SNAPSHOT with transformers' Gemma3ForCausalLM (SDPA), computes fp32 logits on the GPU and compares
      them with ours (from `deltatui logits`); prints one table row and exits 1 when they differ beyond the
      dtype's tolerance.
      float32: relative L2 error <= 1e-4 and top-1 agreement >= 99.9%.
      bfloat16: relative L2 error <= 2e-2 against transformers in bf16, and ours no farther from the exact answer
      (transformers in float32 on the same weights) than transformers' own bf16 run is: relative error at most
      1.25x theirs and top-1 agreement with the exact arg-max at most 1 point below theirs. That is what "within
      bf16 tolerance" means when the two bf16 runs round differently in places: on a model with random weights
      the logits are nearly flat, so one flipped bf16 rounding early in the network changes a few percent of the
      arg-maxes of either run; a fixed top-1 bar between the two bf16 runs would measure that, not a defect.
"""
import argparse, sys
import torch
from safetensors.torch import load_file, save_file

FP32_REL_TOL, FP32_TOP1_TOL = 1e-4, 0.999
BF16_REL_TOL, BF16_FLOOR_FACTOR, BF16_TOP1_SLACK = 2e-2, 1.25, 0.01


def write_ids(a):
    g = torch.Generator().manual_seed(1234)
    ids = torch.randint(3, a.vocab, (a.batch, a.length), generator=g, dtype=torch.int64)
    ids[:, 0] = 2  # <bos>
    save_file({"input_ids": ids}, a.out)


def logits_of(snapshot, dtype, ids):
    from transformers import Gemma3ForCausalLM
    model = Gemma3ForCausalLM.from_pretrained(snapshot, dtype=dtype, attn_implementation="sdpa").cuda().eval()
    with torch.no_grad():
        logits = model(input_ids=ids, attention_mask=torch.ones_like(ids)).logits.float()
    del model
    torch.cuda.empty_cache()
    return logits


def rel_error(x, y):
    return ((x - y).norm() / y.norm()).item()


def top1(x, y):
    return (x.argmax(-1) == y.argmax(-1)).float().mean().item()


def compare(a):
    dtype = {"bfloat16": torch.bfloat16, "float32": torch.float32}[a.dtype]
    ids = load_file(a.ids)["input_ids"].cuda()
    theirs = logits_of(a.snapshot, dtype, ids)
    ours = load_file(a.ours)["logits"].cuda()
    if ours.shape != theirs.shape:
        print(f"| {a.dtype} | shape mismatch: ours {tuple(ours.shape)} vs transformers {tuple(theirs.shape)} | FAIL |")
        return 1
    rel, agree = rel_error(ours, theirs), top1(ours, theirs)
    max_abs = (ours - theirs).abs().max().item()
    if a.dtype == "float32":
        ok = rel <= FP32_REL_TOL and agree >= FP32_TOP1_TOL
        print(f"| float32 | logits {tuple(ours.shape)} | rel. L2 error {rel:.2e} (tol {FP32_REL_TOL:g}) | max abs {max_abs:.3e} | "
              f"top-1 agreement {100 * agree:.2f}% (tol {100 * FP32_TOP1_TOL:g}%) | {'PASS' if ok else 'FAIL'} |")
        return 0 if ok else 1
    exact = logits_of(a.snapshot, torch.float32, ids)
    ours_rel, theirs_rel = rel_error(ours, exact), rel_error(theirs, exact)
    ours_top1, theirs_top1 = top1(ours, exact), top1(theirs, exact)
    ok = rel <= BF16_REL_TOL and ours_rel <= BF16_FLOOR_FACTOR * theirs_rel and ours_top1 >= theirs_top1 - BF16_TOP1_SLACK
    print(f"| bfloat16 | logits {tuple(ours.shape)} | vs transformers bf16: rel. L2 error {rel:.2e} (tol {BF16_REL_TOL:g}), "
          f"max abs {max_abs:.3e}, top-1 agreement {100 * agree:.2f}% | vs exact (transformers fp32): rel. error ours "
          f"{ours_rel:.2e}, theirs {theirs_rel:.2e} (ours <= {BF16_FLOOR_FACTOR:g}x theirs); top-1 ours {100 * ours_top1:.2f}%, "
          f"theirs {100 * theirs_top1:.2f}% (ours >= theirs - {100 * BF16_TOP1_SLACK:g}) | {'PASS' if ok else 'FAIL'} |")
    return 0 if ok else 1


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    i = sub.add_parser("ids"); i.add_argument("out"); i.add_argument("--batch", type=int, default=2)
    i.add_argument("--length", type=int, default=256); i.add_argument("--vocab", type=int, default=262144)
    c = sub.add_parser("compare"); c.add_argument("snapshot"); c.add_argument("ids"); c.add_argument("ours")
    c.add_argument("--dtype", choices=["bfloat16", "float32"], default="bfloat16")
    a = p.parse_args()
    if a.cmd == "ids":
        write_ids(a)
        return 0
    return compare(a)


if __name__ == "__main__":
    sys.exit(main())
