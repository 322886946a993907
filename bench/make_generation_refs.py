"""Greedy generation references from transformers, for DeltaTui's generation tests (Gemma3GenerationReferenceTests).

Writes, for each model, generation-reference.json beside its weights: the prompts (token ids, no tokenizer needed),
the left-padded input_ids / attention_mask given to `generate`, and the new tokens of
`generate(do_sample=False, max_new_tokens=64)` per row, cut after the first stop id (kept) so padding is not compared.
Cases: a short prompt, a medium one, one longer than the sliding window, and the three as one left-padded batch.

usage:
  python3 bench/make_generation_refs.py tiny                 # -> tests/fixtures/gemma3-tiny/generation-reference.json (commit it)
  python3 bench/make_generation_refs.py random-270m OUT_DIR  # a random-weight 270M snapshot (hub config format) + its reference;
                                                             # then DELTATUI_GENERATION_270M=OUT_DIR runs our test against it
Made for transformers 5.17 and torch 2.11; fp32, eager attention, TF32 off, so the reference is as exact as the model allows.
"""
import json, os, random, sys
import torch
import transformers
from transformers import Gemma3ForCausalLM, GenerationConfig

HERE = os.path.dirname(os.path.abspath(__file__))
TINY = os.path.join(HERE, "..", "tests", "fixtures", "gemma3-tiny")
MAX_NEW = 64

# The tiny fixture's prompts: the same ids as tests/Training.Tests/Model/Gemma3GenerationTests.cs (window 8; the long one has 21).
TINY_PROMPTS = {
    "short": [2, 17, 301, 45, 9],
    "medium": [2, 88, 5, 412, 77, 130, 6],
    "long (past the sliding window)": [2, 40, 41, 42, 200, 201, 202, 333, 12, 13, 14, 15, 400, 401, 90, 91, 92, 93, 250, 251, 252],
}


def left_pad(prompts, pad):
    width = max(len(p) for p in prompts)
    ids = [[pad] * (width - len(p)) + p for p in prompts]
    mask = [[0] * (width - len(p)) + [1] * len(p) for p in prompts]
    return ids, mask


def cut(tokens, stops):
    out = []
    for t in tokens:
        out.append(t)
        if t in stops:
            break
    return out


def references(model, prompts, device):
    config = model.config
    stops = config.eos_token_id if isinstance(config.eos_token_id, list) else [config.eos_token_id]
    generation = GenerationConfig(do_sample=False, max_new_tokens=MAX_NEW, eos_token_id=stops, pad_token_id=config.pad_token_id,
                                  bos_token_id=config.bos_token_id, top_k=None, top_p=None, temperature=None)
    cases = []
    named = list(prompts.items())
    for name, rows in [(n, [p]) for n, p in named] + [("left-padded batch", [p for _, p in named])]:
        ids, mask = left_pad(rows, config.pad_token_id)
        with torch.no_grad():
            out = model.generate(input_ids=torch.tensor(ids, device=device), attention_mask=torch.tensor(mask, device=device),
                                 generation_config=generation)
        new = out[:, len(ids[0]):].tolist()
        cases.append({"name": name, "prompts": rows, "input_ids": ids, "attention_mask": mask,
                      "new_tokens": [cut(r, stops) for r in new]})
    return {"transformers": transformers.__version__, "torch": torch.__version__, "device": str(device),
            "dtype": "float32", "attn_implementation": "eager", "max_new_tokens": MAX_NEW,
            "eos_token_id": stops, "pad_token_id": config.pad_token_id, "cases": cases}


def write(path, data):
    with open(path, "w") as f:
        json.dump(data, f, indent=1)
        f.write("\n")
    print("wrote", path)


def main():
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    if len(sys.argv) >= 2 and sys.argv[1] == "tiny":
        model = Gemma3ForCausalLM.from_pretrained(TINY, dtype=torch.float32, attn_implementation="eager").eval()
        write(os.path.join(TINY, "generation-reference.json"), references(model, TINY_PROMPTS, "cpu"))
    elif len(sys.argv) >= 3 and sys.argv[1] == "random-270m":
        sys.path.insert(0, HERE)
        from make_random_gemma3 import model as random_model
        out = sys.argv[2]
        device = "cuda" if torch.cuda.is_available() else "cpu"
        model = random_model(seed=0, dtype=torch.float32)
        model.config.eos_token_id = [1, 106]  # as the hub's gemma-3-270m: <eos> and <end_of_turn>
        model.save_pretrained(out)            # config.json in the hub format + model.safetensors
        model = Gemma3ForCausalLM.from_pretrained(out, dtype=torch.float32, attn_implementation="eager").to(device).eval()
        rng = random.Random(5)
        prompts = {
            "short": [2] + [rng.randrange(3, 262144) for _ in range(11)],
            "medium": [2] + [rng.randrange(3, 262144) for _ in range(100)],
            "long (past the sliding window)": [2] + [rng.randrange(3, 262144) for _ in range(700)],
        }
        write(os.path.join(out, "generation-reference.json"), references(model, prompts, device))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
