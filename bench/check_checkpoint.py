"""Does a checkpoint we wrote load in transformers and give the logits our model gives?

  python3 bench/check_checkpoint.py ids OUT.safetensors [--batch 2] [--length 256] [--vocab 262144]
      writes seeded random input_ids for both sides
  python3 bench/check_checkpoint.py compare SNAPSHOT IDS.safetensors OURS.safetensors --dtype bfloat16|float32
      loads SNAPSHOT with transformers' Gemma3ForCausalLM (SDPA), computes fp32 logits on the GPU and compares
      them with ours (from `deltatui logits`); prints one table row and exits 1 when they differ beyond the
      dtype's tolerance (relative L2 error 2e-2 and top-1 agreement 98% for bf16; 1e-4 and 99.9% for fp32)
"""
import argparse, sys
import torch
from safetensors.torch import load_file, save_file

TOLERANCE = {"bfloat16": (2e-2, 0.98), "float32": (1e-4, 0.999)}


def write_ids(a):
    g = torch.Generator().manual_seed(1234)
    ids = torch.randint(3, a.vocab, (a.batch, a.length), generator=g, dtype=torch.int64)
    ids[:, 0] = 2  # <bos>
    save_file({"input_ids": ids}, a.out)


def compare(a):
    from transformers import Gemma3ForCausalLM
    dtype = {"bfloat16": torch.bfloat16, "float32": torch.float32}[a.dtype]
    model = Gemma3ForCausalLM.from_pretrained(a.snapshot, dtype=dtype, attn_implementation="sdpa").cuda().eval()
    ids = load_file(a.ids)["input_ids"].cuda()
    with torch.no_grad():
        theirs = model(input_ids=ids, attention_mask=torch.ones_like(ids)).logits.float()
    ours = load_file(a.ours)["logits"].cuda()
    if ours.shape != theirs.shape:
        print(f"| {a.dtype} | shape mismatch: ours {tuple(ours.shape)} vs transformers {tuple(theirs.shape)} | FAIL |")
        return 1
    rel = ((ours - theirs).norm() / theirs.norm()).item()
    max_abs = (ours - theirs).abs().max().item()
    top1 = (ours.argmax(-1) == theirs.argmax(-1)).float().mean().item()
    rel_tol, top1_tol = TOLERANCE[a.dtype]
    ok = rel <= rel_tol and top1 >= top1_tol
    print(f"| {a.dtype} | logits {tuple(ours.shape)} | rel. L2 error {rel:.2e} (tol {rel_tol:g}) | max abs {max_abs:.3e} | "
          f"top-1 agreement {100 * top1:.2f}% (tol {100 * top1_tol:g}%) | {'PASS' if ok else 'FAIL'} |")
    return 0 if ok else 1


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    i = sub.add_parser("ids"); i.add_argument("out"); i.add_argument("--batch", type=int, default=2)
    i.add_argument("--length", type=int, default=256); i.add_argument("--vocab", type=int, default=262144)
    c = sub.add_parser("compare"); c.add_argument("snapshot"); c.add_argument("ids"); c.add_argument("ours")
    c.add_argument("--dtype", choices=list(TOLERANCE), default="bfloat16")
    a = p.parse_args()
    if a.cmd == "ids":
        write_ids(a)
        return 0
    return compare(a)


if __name__ == "__main__":
    sys.exit(main())
