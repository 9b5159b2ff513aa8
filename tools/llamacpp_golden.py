#!/usr/bin/env python3
"""Next-token log-probabilities of the real Gemma 3 270M GGUF computed by llama.cpp itself.

hf_golden_270m.py checks our forward pass against transformers on the GGUF's dequantized weights.
This script checks it against llama.cpp's own forward pass (llama-cpp-python, built from the PyPI
sdist), which differs on purpose: llama.cpp multiplies the quantized weights directly and quantizes
the activations to 8 bits for those dot products, so agreement is close but not exact.

It runs the same token sequences as hf_golden_270m.py (read from that golden's inputs.json, BOS
included, one of them longer than the 512-token sliding window) and writes

  runtime/src/test/resources/golden/llamacpp/gemma3-270m/golden.json
    {"gguf_sha256", "llama_cpp_python", "sequences": [[ids...], ...],
     "next_logprobs": [[log p(t+1 | ..t), ...], ...], "top1": [[argmax id at t, ...], ...]}

Run:  tools/.venv/bin/pip install llama-cpp-python   (compiles llama.cpp; ~15 min on 2 cores)
      tools/.venv/bin/python tools/llamacpp_golden.py
Not run by CI.
"""

import hashlib
import json
import os
import pathlib

import llama_cpp
import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
HOME = pathlib.Path(os.environ.get("SAESCOPE_HOME", pathlib.Path.home() / ".cache/saescope"))
GGUF = HOME / "models/gemma-3-270m/gemma-3-270m-q4_k_m.gguf"
INPUTS = ROOT / "runtime/src/test/resources/golden/hf/gemma3-270m/inputs.json"
OUT = ROOT / "runtime/src/test/resources/golden/llamacpp/gemma3-270m"


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def log_softmax(x):
    x = x.astype(np.float64)
    m = x.max(axis=-1, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=-1, keepdims=True))


def main():
    sequences = json.loads(INPUTS.read_text())["sequences"]
    llm = llama_cpp.Llama(
        model_path=str(GGUF),
        n_ctx=1024,
        n_batch=1024,
        n_ubatch=1024,
        n_threads=2,
        logits_all=True,
        type_k=llama_cpp.GGML_TYPE_F32,  # an fp32 KV cache: the only differences left are llama.cpp's
        type_v=llama_cpp.GGML_TYPE_F32,  # quantized matmuls, not a 16-bit cache
        verbose=False,
    )
    next_logprobs, top1 = [], []
    for seq in sequences:
        llm.reset()
        llm.eval(seq)
        scores = np.array(llm.scores[: len(seq)])  # [n, vocab] raw logits
        lp = log_softmax(scores)
        next_logprobs.append([round(float(lp[t, seq[t + 1]]), 6) for t in range(len(seq) - 1)])
        top1.append([int(i) for i in scores.argmax(axis=-1)])
    OUT.mkdir(parents=True, exist_ok=True)
    golden = {
        "gguf_sha256": sha256(GGUF),
        "llama_cpp_python": llama_cpp.__version__,
        "sequences": sequences,
        "next_logprobs": next_logprobs,
        "top1": top1,
    }
    (OUT / "golden.json").write_text(json.dumps(golden) + "\n")
    print("wrote", OUT / "golden.json", [len(s) for s in sequences], "tokens")


if __name__ == "__main__":
    main()
