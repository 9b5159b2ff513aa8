#!/usr/bin/env python3
"""Golden activations of the real Gemma 3 270M, from Hugging Face transformers on the GGUF's weights.

The only real checkpoint available offline is the Q4_K_M GGUF (`./saescope fetch-model gemma-3-270m`).
This script dequantizes every tensor with the `gguf` package (llama.cpp's own reference decoders),
undoes llama.cpp's "+1" on the norm weights (GEMMA-NOTES.md §4), loads them into transformers'
Gemma3ForCausalLM (fp32, eager attention) and records, for a right-padded batch of two English
texts of which one is longer than the 512-token sliding window:

  golden.safetensors   layers.{L}.resid_post    [batch, P, 640]   at P = 4 positions per sequence,
                                                                   L in RESID_LAYERS
                       layers.{L}.attn_z / mlp_out for L in SITE_LAYERS
                       next_logprobs            [batch, seq-1]    log p(token[t+1] | ..t)
                       top_ids / top_logits     [batch, P, 10]    final logits' top 10 at the positions
  inputs.json          {"sequences": [...], "positions": [[...], [...]], "gguf_sha256": ...}

The Java test runs the same GGUF through our loader and forward pass. Both sides use identical fp32
weights up to the +1/-1 round trip on norm weights (at most 1 ulp).

Run:  tools/.venv/bin/python tools/hf_golden_270m.py   (writes runtime/src/test/resources/golden/hf/gemma3-270m/)
      tools/.venv/bin/python tools/hf_golden_270m.py --dtype bf16   (golden-bf16.safetensors: the
      same weights cast with model.to(torch.bfloat16), as a bf16 user runs them; values stored as
      fp32, which holds every bf16/fp16 value exactly; also fp16)
Versions: tools/requirements-reference.txt. Not run by CI.
"""

import argparse
import hashlib
import json
import os
import pathlib

import numpy as np
import torch
from gguf import GGUFReader
from gguf.quants import dequantize
from safetensors.torch import save_file
from tokenizers import Tokenizer
from transformers import Gemma3ForCausalLM, Gemma3TextConfig

ROOT = pathlib.Path(__file__).resolve().parent.parent
HOME = pathlib.Path(os.environ.get("SAESCOPE_HOME", pathlib.Path.home() / ".cache/saescope"))
GGUF = HOME / "models/gemma-3-270m/gemma-3-270m-q4_k_m.gguf"
TOKENIZER = HOME / "models/gemma-3-270m/tokenizer.json"
OUT = ROOT / "runtime/src/test/resources/golden/hf/gemma3-270m"
SITE_LAYERS = [0, 5, 17]  # a sliding layer, the first full layer, the last layer
RESID_LAYERS = [0, 2, 5, 8, 11, 14, 17]  # every third layer and the last, to keep the file small

TEXT_LONG = " ".join(
    [
        "The history of the bicycle begins in the early nineteenth century, when inventors in Europe",
        "experimented with two-wheeled machines that riders pushed along with their feet. The first",
        "pedals were attached directly to the front wheel, which made the machines hard to ride and",
        "led to the tall and dangerous high-wheelers of the 1870s. The safety bicycle, with two wheels",
        "of equal size and a chain driving the rear wheel, appeared in the 1880s and quickly replaced",
        "the older designs. Pneumatic tyres, invented around the same time, made riding far more",
        "comfortable, and within a decade millions of people in Europe and North America owned a",
        "bicycle. Cycling clubs organised long tours, newspapers reported on races, and roads were",
        "improved because cyclists demanded smooth surfaces. Women in particular gained a new kind of",
        "freedom, and the bicycle became a symbol of independence. In the twentieth century the car",
        "took over many of the roles the bicycle had played, but in cities such as Amsterdam and",
        "Copenhagen cycling remained an everyday way to travel. Today engineers design frames from",
        "aluminium, steel, titanium and carbon fibre, and electric motors help riders climb hills.",
        "Governments build protected lanes because bicycles reduce traffic, noise and pollution, and",
        "because regular cycling improves health. Repairing a bicycle requires only a few simple",
        "tools: a pump, tyre levers, a set of hex keys and a chain tool are enough for most jobs.",
        "A well maintained bicycle can last for decades, and many riders become attached to machines",
        "they have owned for most of their lives. Museums in several countries keep collections of",
        "historic bicycles, from wooden running machines to racing bikes ridden by famous champions.",
        "The Tour de France, first held in 1903, remains the best known race, with riders covering",
        "more than three thousand kilometres in three weeks, crossing the Alps and the Pyrenees.",
        "Mountain biking began in California in the 1970s, when riders modified old bicycles to race",
        "down steep trails, and it became an Olympic sport in 1996. Folding bicycles, cargo bicycles",
        "and tandems serve other needs, carrying children, shopping or a second rider. Around the",
        "world there are now more than a billion bicycles, far more than there are cars, and in many",
        "countries they remain the most affordable way for people to reach work, school and markets.",
        "Scientists have studied why a moving bicycle stays upright, and the answer involves the",
        "geometry of the front fork, the gyroscopic effect of the wheels and the small steering",
        "corrections that riders make without noticing. Learning to ride usually takes a child only",
        "a few days, yet the skill is rarely forgotten, which is why people say that something easy",
        "to remember is just like riding a bicycle. Artists have painted bicycles, poets have written",
        "about them, and photographers have recorded the crowded bicycle streets of Beijing, Delhi",
        "and Hanoi. Some cities now lend bicycles to residents and visitors through sharing schemes,",
        "and the number of trips made this way grows every year as more stations are installed.",
        "Repair cafes teach volunteers to fix brakes, gears and punctures, and old bicycles are sent",
        "to countries where they are needed. The simple machine invented two centuries ago continues",
        "to change the way people live, work and think about the places where they live.",
    ]
)
TEXT_SHORT = "The capital of France is Paris. The capital of Italy is Rome. The capital of Spain is"


def hf_name(gguf_name):
    if gguf_name == "token_embd.weight":
        return "model.embed_tokens.weight"
    if gguf_name == "output_norm.weight":
        return "model.norm.weight"
    _, n, rest = gguf_name.split(".", 2)
    table = {
        "attn_norm.weight": "input_layernorm.weight",
        "attn_q.weight": "self_attn.q_proj.weight",
        "attn_k.weight": "self_attn.k_proj.weight",
        "attn_v.weight": "self_attn.v_proj.weight",
        "attn_output.weight": "self_attn.o_proj.weight",
        "attn_q_norm.weight": "self_attn.q_norm.weight",
        "attn_k_norm.weight": "self_attn.k_norm.weight",
        "post_attention_norm.weight": "post_attention_layernorm.weight",
        "ffn_norm.weight": "pre_feedforward_layernorm.weight",
        "post_ffw_norm.weight": "post_feedforward_layernorm.weight",
        "ffn_gate.weight": "mlp.gate_proj.weight",
        "ffn_up.weight": "mlp.up_proj.weight",
        "ffn_down.weight": "mlp.down_proj.weight",
    }
    return f"model.layers.{n}.{table[rest]}"


def load_state(reader):
    state = {}
    for t in reader.tensors:
        data = dequantize(t.data, t.tensor_type).astype(np.float32)
        shape = [int(d) for d in reversed(t.shape.tolist())]  # ne is reversed numpy order
        arr = torch.from_numpy(np.ascontiguousarray(data.reshape(shape)))
        name = hf_name(t.name)
        if name.endswith("norm.weight"):
            arr = arr - 1.0  # llama.cpp stored 1 + w; transformers adds the 1 itself
        state[name] = arr
    return state


DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}


def load_model(dtype_name="fp32", attn="eager"):
    """The GGUF's weights in transformers' Gemma3ForCausalLM at dtype_name, tied unembedding."""
    reader = GGUFReader(str(GGUF))
    state = load_state(reader)
    vocab, hidden = state["model.embed_tokens.weight"].shape
    config = Gemma3TextConfig(
        vocab_size=vocab,
        hidden_size=hidden,
        intermediate_size=state["model.layers.0.mlp.gate_proj.weight"].shape[0],
        num_hidden_layers=18,
        num_attention_heads=4,
        num_key_value_heads=1,
        head_dim=256,
        query_pre_attn_scalar=256,
        sliding_window=512,
        rope_parameters={
            "full_attention": {"rope_type": "default", "rope_theta": 1_000_000.0},
            "sliding_attention": {"rope_type": "default", "rope_theta": 10_000.0},
        },
        rms_norm_eps=1e-6,
        max_position_embeddings=32768,
        tie_word_embeddings=True,
        attn_implementation=attn,
    )
    model = Gemma3ForCausalLM(config).to(torch.float32).eval()
    missing, unexpected = model.load_state_dict(state, strict=False)
    assert not unexpected, unexpected
    assert set(missing) <= {"lm_head.weight"}, missing
    model.tie_weights()
    assert model.lm_head.weight.data_ptr() == model.model.embed_tokens.weight.data_ptr()
    return model.to(DTYPES[dtype_name])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dtype", choices=sorted(DTYPES), default="fp32")
    dtype_name = parser.parse_args().dtype
    torch.set_num_threads(2)
    model = load_model(dtype_name)

    tok = Tokenizer.from_file(str(TOKENIZER))
    seqs = [tok.encode(TEXT_LONG).ids, tok.encode(TEXT_SHORT).ids]
    assert seqs[0][0] == 2 and seqs[1][0] == 2, "tokenizer must add BOS"
    assert len(seqs[0]) > 512 + 16, len(seqs[0])
    width = max(len(s) for s in seqs)
    ids = torch.zeros((2, width), dtype=torch.long)
    mask = torch.zeros((2, width), dtype=torch.long)
    for i, s in enumerate(seqs):
        ids[i, : len(s)] = torch.tensor(s)
        mask[i, : len(s)] = 1
    positions = [
        [0, 511, 512, len(seqs[0]) - 1],  # the first query whose window has lost BOS, and the last
        [0, 5, 12, len(seqs[1]) - 1],
    ]

    acts = {}
    hooks = []
    for i, layer in enumerate(model.model.layers):
        if i in RESID_LAYERS:
            hooks.append(layer.register_forward_hook(lambda m, a, o, i=i: acts.__setitem__(f"resid_post.{i}", o)))
        if i in SITE_LAYERS:
            hooks.append(
                layer.post_feedforward_layernorm.register_forward_hook(
                    lambda m, a, o, i=i: acts.__setitem__(f"mlp_out.{i}", o)
                )
            )
            hooks.append(
                layer.self_attn.o_proj.register_forward_pre_hook(
                    lambda m, a, i=i: acts.__setitem__(f"attn_z.{i}", a[0])
                )
            )
    with torch.no_grad():
        out = model(input_ids=ids, attention_mask=mask, use_cache=False)
    for h in hooks:
        h.remove()

    def at_positions(t):  # [batch, seq, w] -> [batch, P, w]
        return torch.stack([t[b, positions[b]] for b in range(2)]).contiguous()

    golden = {}
    for key, t in acts.items():
        site, layer = key.split(".")
        golden[f"layers.{layer}.{site}"] = at_positions(t).float()
    logprobs = torch.log_softmax(out.logits.float(), dim=-1)
    nxt = torch.zeros((2, width - 1))
    for b, s in enumerate(seqs):
        for t in range(len(s) - 1):
            nxt[b, t] = logprobs[b, t, s[t + 1]]
    golden["next_logprobs"] = nxt
    top = torch.topk(at_positions(out.logits.float()), 10, dim=-1)
    golden["top_logits"] = top.values.contiguous()
    golden["top_ids"] = top.indices.to(torch.float32).contiguous()  # exact below 2^24

    OUT.mkdir(parents=True, exist_ok=True)
    name = "golden.safetensors" if dtype_name == "fp32" else f"golden-{dtype_name}.safetensors"
    save_file(golden, str(OUT / name), metadata={"dtype": dtype_name, "torch": torch.__version__})
    if dtype_name != "fp32":  # inputs.json belongs to the fp32 run; the inputs are the same
        print(name, {k: tuple(v.shape) for k, v in golden.items()})
        return
    sha = hashlib.sha256(GGUF.read_bytes()).hexdigest()
    with open(OUT / "inputs.json", "w") as f:
        json.dump({"sequences": seqs, "positions": positions, "gguf_sha256": sha}, f)
        f.write("\n")
    print("lengths", [len(s) for s in seqs], "top-1 next after short text:", tok.decode([int(top.indices[1, -1, 0])]))
    print({p.name: p.stat().st_size for p in OUT.iterdir()}, "torch", torch.__version__)


if __name__ == "__main__":
    main()
