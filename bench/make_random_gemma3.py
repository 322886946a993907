"""Writes a random-weight Gemma-3-270m-shaped snapshot (what our loader reads; the real weights cannot be
downloaded on the benchmark machine) and a synthetic preference JSONL whose pairs are 512 byte-tokens long.

usage: python3 bench/make_random_gemma3.py OUT_DIR DATA.jsonl [PAIRS]
"""
import json, random, sys
import torch
from transformers import Gemma3ForCausalLM, Gemma3TextConfig

CONFIG = dict(
    vocab_size=262144, hidden_size=640, intermediate_size=2048, num_hidden_layers=18,
    num_attention_heads=4, num_key_value_heads=1, head_dim=256, sliding_window=512,
    layer_types=["full_attention" if (i + 1) % 6 == 0 else "sliding_attention" for i in range(18)],
    rope_theta=1_000_000.0, rope_local_base_freq=10_000.0, query_pre_attn_scalar=256,
    rms_norm_eps=1e-6, max_position_embeddings=32768, bos_token_id=2, eos_token_id=1, pad_token_id=0,
    hidden_activation="gelu_pytorch_tanh", tie_word_embeddings=True, attn_logit_softcapping=None,
    final_logit_softcapping=None,
)


def model(seed=0, dtype=torch.bfloat16):
    torch.manual_seed(seed)
    config = Gemma3TextConfig(**CONFIG)
    config._attn_implementation = "sdpa"
    return Gemma3ForCausalLM(config).to(dtype)


def main():
    out, data = sys.argv[1], sys.argv[2]
    pairs = int(sys.argv[3]) if len(sys.argv) > 3 else 256
    m = model()
    print("parameters", sum(p.numel() for p in m.parameters()))
    m.save_pretrained(out)
    rng = random.Random(1)
    letters = "abcdefghijklmnopqrstuvwxyz "
    with open(data, "w") as f:
        for _ in range(pairs):
            text = lambda n: "".join(rng.choice(letters) for _ in range(n)).strip() or "a"
            f.write(json.dumps({"prompt": text(250), "chosen": text(280), "rejected": text(280)}) + "\n")


if __name__ == "__main__":
    main()
