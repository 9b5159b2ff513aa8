#!/usr/bin/env python3
"""Golden activations for the Java forward pass, made with Hugging Face transformers (fp32, eager).

Builds tiny random Gemma 2 and Gemma 3 text models whose every feature matters on the test inputs
(sliding window shorter than the sequences, GQA, head_dim != hidden/heads, soft-capping strong
enough to bend the scores, non-trivial norm weights, q/k norms, a full-attention layer among
sliding ones with a different rope base), saves each as a Hugging Face folder (config.json +
model.safetensors, tied embedding) and writes the activations of a right-padded batch of
sequences of different lengths:

  golden.safetensors   layers.{L}.resid_pre / resid_post / mlp_out / attn_z  [batch, seq, width]
                       logits [batch, seq, vocab]
  inputs.json          {"sequences": [[ids...], ...], "pad_id": 0}

Hooks follow GEMMA-NOTES.md §3: resid_pre = decoder layer input, resid_post = decoder layer output
(not hidden_states[L], which is normed for the last layer), mlp_out = post_feedforward_layernorm
output, attn_z = input of o_proj (softmax(QK^T)V flattened head-major).

Run:  tools/.venv/bin/python tools/hf_golden.py   (writes runtime/src/test/resources/golden/hf/)
      tools/.venv/bin/python tools/hf_golden.py --dtype bf16   (reads the committed folders and
      adds golden-bf16.safetensors: the same weights loaded with dtype=torch.bfloat16, eager, the
      values stored as fp32, which holds every bf16/fp16 value exactly; also fp16)
Versions: tools/requirements-reference.txt. Not run by CI.
"""

import json
import os
import pathlib

import torch
from safetensors.torch import save_file
from transformers import Gemma2Config, Gemma2ForCausalLM, Gemma3ForCausalLM, Gemma3TextConfig

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "runtime/src/test/resources/golden/hf"

# Right padding: positions of the real tokens are 0..len-1 in every sequence, as the Java side does.
LENGTHS = [11, 7, 9]
PAD = 0


def gemma2_config():
    return Gemma2Config(
        vocab_size=192,
        hidden_size=64,
        intermediate_size=96,
        num_hidden_layers=3,
        num_attention_heads=4,
        num_key_value_heads=2,
        head_dim=24,  # != hidden/heads = 16: the Java side must take head_dim from the config
        query_pre_attn_scalar=20,  # != head_dim: scaling is query_pre_attn_scalar^-0.5
        sliding_window=4,
        attn_logit_softcapping=2.0,  # small so that tanh bends the random scores
        final_logit_softcapping=3.0,
        rms_norm_eps=1e-6,
        max_position_embeddings=64,
        rope_parameters={"rope_type": "default", "rope_theta": 10000.0},
        pad_token_id=0,
        bos_token_id=2,
        eos_token_id=1,
        tie_word_embeddings=True,
        attn_implementation="eager",
    )


def gemma3_config():
    return Gemma3TextConfig(
        vocab_size=160,
        hidden_size=48,
        intermediate_size=96,
        num_hidden_layers=4,
        num_attention_heads=4,
        num_key_value_heads=1,  # 4 query heads share one kv head, as in gemma-3-270m
        head_dim=32,
        query_pre_attn_scalar=32,
        sliding_window=5,
        layer_types=["sliding_attention", "sliding_attention", "full_attention", "sliding_attention"],
        rope_parameters={
            "full_attention": {"rope_type": "default", "rope_theta": 1_000_000.0},
            "sliding_attention": {"rope_type": "default", "rope_theta": 10_000.0},
        },
        rms_norm_eps=1e-6,
        max_position_embeddings=64,
        pad_token_id=0,
        bos_token_id=2,
        eos_token_id=1,
        tie_word_embeddings=True,
        attn_implementation="eager",
    )


def randomize(model, gen):
    """Larger-than-default random weights so that norms, caps and windows all change the output."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("norm.weight"):
                p.copy_(torch.randn(p.shape, generator=gen) * 0.3)  # effective scale 1 + w
            elif "embed_tokens" in name:
                p.copy_(torch.randn(p.shape, generator=gen))
            else:
                p.copy_(torch.randn(p.shape, generator=gen) * 0.15)


def make_inputs(vocab, gen):
    seqs = []
    for n in LENGTHS:
        ids = torch.randint(3, vocab, (n,), generator=gen).tolist()
        ids[0] = 2  # BOS
        seqs.append(ids)
    width = max(LENGTHS)
    input_ids = torch.full((len(seqs), width), PAD, dtype=torch.long)
    mask = torch.zeros((len(seqs), width), dtype=torch.long)
    for i, s in enumerate(seqs):
        input_ids[i, : len(s)] = torch.tensor(s)
        mask[i, : len(s)] = 1
    return seqs, input_ids, mask


def capture(model, input_ids, mask):
    acts = {}
    hooks = []
    for i, layer in enumerate(model.model.layers):

        def pre(mod, args, kwargs, i=i):
            h = args[0] if args else kwargs["hidden_states"]
            acts[f"layers.{i}.resid_pre"] = h.detach().clone()

        def post(mod, args, out, i=i):
            h = out[0] if isinstance(out, tuple) else out
            acts[f"layers.{i}.resid_post"] = h.detach().clone()

        def mlp_out(mod, args, out, i=i):
            acts[f"layers.{i}.mlp_out"] = out.detach().clone()

        def attn_z(mod, args, i=i):
            acts[f"layers.{i}.attn_z"] = args[0].detach().clone()

        hooks.append(layer.register_forward_pre_hook(pre, with_kwargs=True))
        hooks.append(layer.register_forward_hook(post))
        hooks.append(layer.post_feedforward_layernorm.register_forward_hook(mlp_out))
        hooks.append(layer.self_attn.o_proj.register_forward_pre_hook(attn_z))
    with torch.no_grad():
        out = model(input_ids=input_ids, attention_mask=mask, use_cache=False, output_hidden_states=True)
    for h in hooks:
        h.remove()
    acts["logits"] = out.logits.detach().clone()
    # Sanity check of the hook points against the documented hidden_states tuple (GEMMA-NOTES §3).
    n = len(model.model.layers)
    for i in range(n - 1):
        assert torch.equal(out.hidden_states[i + 1], acts[f"layers.{i}.resid_post"]), i
    return acts


def build(name, config, seed):
    gen = torch.Generator().manual_seed(seed)
    cls = Gemma2ForCausalLM if isinstance(config, Gemma2Config) else Gemma3ForCausalLM
    torch.manual_seed(seed)
    model = cls(config).to(torch.float32).eval()
    randomize(model, gen)
    folder = OUT / name
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder, safe_serialization=True)
    for extra in ("generation_config.json",):
        p = folder / extra
        if p.exists():
            p.unlink()
    # Reload from disk, as the Java side will, so the goldens come from the saved weights.
    model = cls.from_pretrained(folder, dtype=torch.float32, attn_implementation="eager").eval()
    assert model.config._attn_implementation == "eager"
    seqs, input_ids, mask = make_inputs(config.vocab_size, gen)
    acts = capture(model, input_ids, mask)
    save_file({k: v.contiguous() for k, v in acts.items()}, str(folder / "golden.safetensors"))
    with open(folder / "inputs.json", "w") as f:
        json.dump({"sequences": seqs, "pad_id": PAD}, f)
        f.write("\n")
    sizes = {p.name: p.stat().st_size for p in folder.iterdir()}
    print(name, "torch", torch.__version__, sizes)


DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}


def build_dtype(name, dtype_name):
    """Goldens of a committed tiny model at another precision, on the committed inputs."""
    folder = OUT / name
    cls = Gemma2ForCausalLM if name.startswith("gemma2") else Gemma3ForCausalLM
    model = cls.from_pretrained(folder, dtype=DTYPES[dtype_name], attn_implementation="eager").eval()
    with open(folder / "inputs.json") as f:
        seqs = json.load(f)["sequences"]
    width = max(len(q) for q in seqs)
    input_ids = torch.full((len(seqs), width), PAD, dtype=torch.long)
    mask = torch.zeros((len(seqs), width), dtype=torch.long)
    for i, q in enumerate(seqs):
        input_ids[i, : len(q)] = torch.tensor(q)
        mask[i, : len(q)] = 1
    acts = capture(model, input_ids, mask)
    out = folder / f"golden-{dtype_name}.safetensors"
    save_file(
        {k: v.float().contiguous() for k, v in acts.items()},
        str(out),
        metadata={"dtype": dtype_name, "torch": torch.__version__},
    )
    print(name, dtype_name, "torch", torch.__version__, out.stat().st_size)


def main():
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--dtype", choices=["fp32", *DTYPES], default="fp32")
    dtype_name = parser.parse_args().dtype
    torch.set_num_threads(1)  # deterministic accumulation order for the record
    if dtype_name != "fp32":
        build_dtype("gemma2-tiny", dtype_name)
        build_dtype("gemma3-tiny", dtype_name)
        return
    build("gemma2-tiny", gemma2_config(), 2)
    build("gemma3-tiny", gemma3_config(), 3)


if __name__ == "__main__":
    main()
