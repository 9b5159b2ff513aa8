#!/usr/bin/env python3
"""saescope against the Python stack a researcher would use instead, side by side in one run.

Each round runs every work once on each side, alternating which side goes first (A/B, then B/A),
so both see the same machine; the table reports medians over rounds and the ratio of medians
(saescope / Python, above 1 = saescope faster) with the per-round ratios' range. Load times are
excluded on both sides: saescope's benches time their own work after loading, this script times
its work after loading the model once.

  forward   `./saescope bench model --batch 8 --seq 128` (resid_post captured at all 18 layers)
            against transformers' Gemma3ForCausalLM on the same GGUF weights, resid_post taken by
            forward hooks on every decoder layer (sdpa and eager attention), same shape; the
            median of the timed batches, best in brackets.
  sae       `./saescope bench sae` (JumpReLU 2304 x 16384 at 1024 positions, sparse out) against
            SAELens' JumpReLUSAE.encode and plain torch (bias, threshold, nonzero extraction, the
            indices and values as numpy arrays), and the [1024, 2304] x [2304, 16384] matmul alone;
            fastest of the repeats, as `bench sae` reports.
  pipeline  `./saescope bench pipeline --in-process-only` with the three fetch-sae SAEs against
            transformers + SAELens doing the worker's per-task work on the same 96 tasks, batched
            the same way (<= 1024 tokens, <= 64 tasks per micro-batch): resid_post at all 18
            layers; the full-vocabulary lens at q_end (and 3 answer positions of direct answers)
            at every layer with log-probabilities and ranks of the 5 scored tokens, top-1 and KL
            to the final layer in bits; the dense rows of q_end and the answer; at each SAE layer
            the latents of every position (SAELens TopKSAE encode, nonzero extraction), the
            reconstruction error, the latents' direct logit attribution to the scored tokens with
            its full-vocabulary rank, and E3b's top and most-attributing latent at the gold token
            with the gold token's rank in their logit effects. Ranks are batched per micro-batch,
            as the worker batches them.

Run (after `./saescope fetch-model gemma-3-270m` and `./saescope fetch-sae gemma-3-270m`):
    tools/.venv/bin/python tools/side_by_side.py [--rounds 4] [--works forward,sae,pipeline]
Versions: tools/requirements-reference.txt. Machine-dependent; not run by CI.
"""

import argparse
import json
import math
import os
import pathlib
import statistics
import subprocess
import sys
import time

import numpy as np
import torch
from sae_lens import SAE, JumpReLUSAE, JumpReLUSAEConfig
from tokenizers import Tokenizer

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from hf_golden_270m import DTYPES, HOME, TOKENIZER, load_model  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent
SAE_DIRS = [HOME / f"saes/gemma-3-270m/layer_{l}_resid_post" for l in (3, 9, 15)]
LN2 = math.log(2)


def bf16_cpu():
    """Whether /proc/cpuinfo has bf16 units (what saescope's --dtype auto looks for)."""
    try:
        flags = pathlib.Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return "amx_bf16" in flags or "avx512_bf16" in flags


def saescope(args, exe):
    """Runs `EXE ARGS --json` (a saescope checkout's ./saescope) and returns its JSON."""
    done = subprocess.run([exe, *args, "--json"], capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"saescope {' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- forward


def resid_hooks(model, store):
    """Forward hooks that keep every decoder layer's output (resid_post) in store[layer]."""

    def hook(layer):
        def keep(_module, _inputs, output):
            store[layer] = output[0] if isinstance(output, tuple) else output

        return keep

    return [m.register_forward_hook(hook(i)) for i, m in enumerate(model.model.layers)]


def python_forward(models, batch, seq, repeats):
    """tokens/s (median, best) per attention implementation for one [batch, seq] batch."""
    vocab = models["sdpa"].config.vocab_size
    rng = np.random.default_rng(42)
    ids = torch.from_numpy(rng.integers(3, vocab, size=(batch, seq)))
    ids[:, 0] = 2  # <bos>
    out = {}
    for attn, model in models.items():
        store = {}
        handles = resid_hooks(model, store)
        times = []
        with torch.inference_mode():
            for i in range(1 + repeats):
                t0 = time.perf_counter()
                model.model(input_ids=ids)
                if i > 0:
                    times.append(time.perf_counter() - t0)
        for h in handles:
            h.remove()
        assert len(store) == len(model.model.layers)
        out[attn] = (batch * seq / statistics.median(times), batch * seq / min(times))
    return out


# ---------------------------------------------------------------- sae


def python_sae(d_in, d_sae, tokens, repeats, seed=0):
    """Fastest ms of SAELens encode, plain torch encode and the matmul alone, each with extraction."""
    g = torch.Generator().manual_seed(seed)
    cfg = JumpReLUSAEConfig(
        d_in=d_in, d_sae=d_sae, dtype="float32", device="cpu", apply_b_dec_to_input=False
    )
    sae = JumpReLUSAE(cfg)
    with torch.no_grad():
        sae.W_enc.copy_(torch.randn(d_in, d_sae, generator=g) / math.sqrt(d_in))
        sae.b_enc.copy_(torch.randn(d_sae, generator=g) * 0.1)
        sae.threshold.copy_(2.6 + 0.1 * torch.rand(d_sae, generator=g))
    x = torch.randn(tokens, d_in, generator=g)

    def sparse(z):
        nz = z.nonzero()
        return nz[:, 0].numpy(), nz[:, 1].numpy(), z[nz[:, 0], nz[:, 1]].numpy()

    def saelens():
        return sparse(sae.encode(x))

    def plain():
        pre = torch.addmm(sae.b_enc, x, sae.W_enc)
        return sparse(pre.relu_() * (pre > sae.threshold))

    def matmul():
        return x @ sae.W_enc

    fns = {"saelens": saelens, "torch": plain, "matmul": matmul}
    times = {k: [] for k in fns}
    with torch.inference_mode():
        for r in range(1 + repeats):
            for k, fn in fns.items():
                t0 = time.perf_counter()
                fn()
                if r > 0:
                    times[k].append((time.perf_counter() - t0) * 1e3)
        l0 = len(saelens()[0]) / tokens
    return {k: min(v) for k, v in times.items()} | {"l0": l0}


# ---------------------------------------------------------------- pipeline

FACTS = [
    ("France", "Paris"),
    ("Japan", "Tokyo"),
    ("Italy", "Rome"),
    ("Egypt", "Cairo"),
    ("Kenya", "Nairobi"),
    ("Canada", "Ottawa"),
    ("Spain", "Madrid"),
    ("Peru", "Lima"),
    ("Norway", "Oslo"),
    ("Greece", "Athens"),
    ("Chile", "Santiago"),
    ("Poland", "Warsaw"),
]
VARIANTS = ["direct", "evasive", "counterfactual", "cloze"]
MAX_LENS_POSITIONS = 4


def bench_tasks(n):
    """The tasks of saescope's BenchTasks.make: (text, answer_start, gold, variant)."""
    out = []
    for i in range(n):
        country, capital = FACTS[(i // len(VARIANTS)) % len(FACTS)]
        v = VARIANTS[i % len(VARIANTS)]
        answer = {
            "direct": capital,
            "evasive": "I am not sure I could say.",
            "counterfactual": FACTS[(i + 1) % len(FACTS)][1],
            "cloze": "",
        }[v]
        if v == "cloze":
            text = f"The capital of {country} is"
            start = len(text)
        else:
            text = f"Question: What is the capital of {country}?\nAnswer: {answer}"
            start = len(text) - len(answer)
        out.append((text, start, capital, v))
    return out


class Prepared:
    """What saescope's PreparedTask keeps: tokens, q_end, the answer span, lens and gold points."""

    def __init__(self, tok, text, start, gold, variant):
        enc = tok.encode(text)
        self.ids = enc.ids
        n = len(self.ids)
        at = enc.char_to_token(start) if start < len(text) else None
        self.ans_start = n if at is None else max(1, at)
        self.q_end = max(0, self.ans_start - 1)
        self.ans_end = n
        gold_ids = tok.encode(" " + gold).ids
        self.gold0 = gold_ids[1] if len(gold_ids) > 1 else -1
        self.direct = variant == "direct"
        last = (
            min(self.ans_end - 1, self.q_end + MAX_LENS_POSITIONS)
            if self.direct
            else self.q_end + 1
        )
        self.lens = list(range(self.q_end, self.q_end + max(1, last - self.q_end)))
        self.targets = [self.lens_targets(t) for t in self.lens]
        self.gold_points = self.gold_at()
        self.dense = [self.q_end, *range(self.ans_start, self.ans_end)]

    def lens_targets(self, t):
        out = []
        for k in range(4):
            at = t + 1 + k
            inside = self.ans_start <= at < self.ans_end
            out.append(self.ids[at] if inside and (k == 0 or self.direct) else -1)
        out.append(self.gold0 if t == self.q_end else -1)
        return out

    def gold_at(self):
        if self.gold0 < 0:
            return []
        if self.direct:
            for t in range(self.ans_start, self.ans_end):
                if self.ids[t] == self.gold0:
                    return [self.q_end, t]
        return [self.q_end]


def ranks_of(logits, targets):
    """Rank of each target among its row's logits (0 = top): [rows, k] from [rows, V], [rows, k]."""
    picked = logits.gather(1, targets)
    return torch.stack([(logits > picked[:, j : j + 1]).sum(1) for j in range(targets.shape[1])], 1)


class PythonWorker:
    """The worker's per-task work in transformers + SAELens, one micro-batch at a time."""

    LENS_ROWS = 128

    def __init__(self, model, saes):
        self.model = model
        self.saes = saes  # [(layer, SAE)]
        self.n_layers = len(model.model.layers)
        self.w_u = model.lm_head.weight  # [V, d], tied
        self.store = {}
        resid_hooks(model, self.store)

    def batch(self, tasks):
        width = max(len(p.ids) for p in tasks)
        ids = torch.zeros((len(tasks), width), dtype=torch.long)
        mask = torch.zeros((len(tasks), width), dtype=torch.long)
        for b, p in enumerate(tasks):
            ids[b, : len(p.ids)] = torch.tensor(p.ids)
            mask[b, : len(p.ids)] = 1
        self.model.model(input_ids=ids, attention_mask=mask)
        resid = torch.stack([self.store[l] for l in range(self.n_layers)], 0)  # [L, B, T, d]
        out = {"dense": [resid[:, b, p.dense].float().numpy() for b, p in enumerate(tasks)]}
        out["lens"] = self.lens(resid, tasks)
        out["saes"] = [self.sae(layer, sae, resid[layer], mask, tasks) for layer, sae in self.saes]
        return out

    def lens(self, resid, tasks):
        where = [(b, t, tg) for b, p in enumerate(tasks) for t, tg in zip(p.lens, p.targets)]
        per_call = max(1, self.LENS_ROWS // self.n_layers)
        out = []
        for c in range(0, len(where), per_call):
            chunk = where[c : c + per_call]
            rows = resid[:, [b for b, _, _ in chunk], [t for _, t, _ in chunk]]  # [L, P, d]
            rows = rows.transpose(0, 1).reshape(-1, rows.shape[-1])  # [P * L, d]
            logits = (self.model.model.norm(rows) @ self.w_u.T).float()
            logp = logits.log_softmax(-1)
            targets = torch.tensor([tg for _, _, tg in chunk]).clamp(min=0)
            targets = targets.repeat_interleave(self.n_layers, 0)  # [P * L, 5]
            final = logp.view(len(chunk), self.n_layers, -1)[:, -1:]
            kl = (final.exp() * (final - logp.view(len(chunk), self.n_layers, -1))).sum(-1)
            out.append(
                (
                    logp.gather(1, targets).numpy(),
                    ranks_of(logits, targets).numpy(),
                    logits.argmax(-1).numpy(),
                    (kl / LN2).numpy(),
                )
            )
        return out

    def sae(self, layer, sae, acts, mask, tasks):
        real = mask.bool()
        x = acts[real]  # [N, d]
        z = sae.encode(x)
        err = (sae.decode(z) - x).pow(2).sum(-1)
        nz = z.nonzero()
        latents = (nz[:, 0].numpy(), nz[:, 1].numpy(), z[nz[:, 0], nz[:, 1]].numpy())
        offsets = np.concatenate([[0], np.cumsum([len(p.ids) for p in tasks])])
        w_dec = sae.W_dec  # [dSae, d]
        dirs, dir_targets, attributions = [], [], []
        for b, p in enumerate(tasks):
            zq = z[offsets[b] + torch.tensor(p.lens)]  # [P, dSae]
            d = zq @ w_dec  # decode minus b_dec: the latents' own contribution
            tg = torch.tensor(p.targets).clamp(min=0)
            attributions.append((d[:, None, :] * self.w_u[tg]).sum(-1).numpy())
            dirs.append(d)
            dir_targets.append(tg)
            if p.gold_points:
                zg = z[offsets[b] + torch.tensor(p.gold_points)]  # [G, dSae]
                effect = w_dec @ self.w_u[p.gold0]  # [dSae]
                top = zg.argmax(-1)
                attr = (zg * effect).argmax(-1)
                dirs.append(w_dec[torch.stack([top, attr], 1).reshape(-1)])
                dir_targets.append(torch.full((2 * len(p.gold_points), 1), p.gold0).expand(-1, 5))
        rows = torch.cat(dirs)
        ranks = ranks_of((rows @ self.w_u.T).float(), torch.cat(dir_targets)).numpy()
        return latents, err.numpy(), attributions, ranks


def python_pipeline(worker, prepared, batch_tokens=1024, max_tasks=64):
    """tokens/s of the worker's per-task work on prepared tasks, batched as the worker batches."""
    with torch.inference_mode():
        worker.batch(prepared[:1])  # warm-up, as bench pipeline does
        t0 = time.perf_counter()
        batch, size = [], 0
        for p in prepared:
            if batch and (size + len(p.ids) > batch_tokens or len(batch) >= max_tasks):
                worker.batch(batch)
                batch, size = [], 0
            batch.append(p)
            size += len(p.ids)
        if batch:
            worker.batch(batch)
        seconds = time.perf_counter() - t0
    return sum(len(p.ids) for p in prepared) / seconds


# ---------------------------------------------------------------- driver


class Forward:
    name = "forward"

    def __init__(self, dtype, args):
        self.dtype, self.args = dtype, args
        self.models = {a: load_model(dtype, a) for a in ("sdpa", "eager")}

    def ours(self, exe):
        r = saescope(
            ["bench", "model", "--model", "gemma-3-270m", "--offline", "--quiet"]
            + ["--batch", "8", "--seq", "128", "--repeats", "3", "--dtype", self.dtype],
            exe,
        )
        return {
            "": r["tokensPerSecond"],
            " best": r["tokensPerSecondBest"],
            " roofline ratio": r["ratio"],
            " roofline ratio to model shapes": r["ratioAgainstModelShapes"],
        }

    def python(self):
        out = {}
        for attn, (median, best) in python_forward(self.models, 8, 128, 3).items():
            out[f"transformers {attn}"] = median
            out[f"transformers {attn} best"] = best
        return out


class SaeEncode:
    name = "sae"

    def __init__(self, dtype, args):
        self.args = args

    def ours(self, exe):
        r = saescope(
            ["bench", "sae", "--d-in", "2304", "--d-sae", "16384", "--tokens", "1024"]
            + ["--repeats", "5"],
            exe,
        )
        return {" ms": r["encodeMs"], " matmul ms": r["matmulMs"]}

    def python(self):
        r = python_sae(2304, 16384, 1024, 5)
        return {
            "saelens ms": r["saelens"],
            "torch ms": r["torch"],
            "torch matmul ms": r["matmul"],
        }


class Pipeline:
    name = "pipeline"

    def __init__(self, dtype, args):
        self.dtype, self.args = dtype, args
        model = load_model(dtype, "sdpa")
        saes = []
        for d in SAE_DIRS:
            if not d.is_dir():
                raise SystemExit(f"{d} is missing: run ./saescope fetch-sae gemma-3-270m first")
            sae = SAE.load_from_disk(str(d), device="cpu").to(DTYPES[dtype]).eval()
            saes.append((int(d.name.split("_")[1]), sae))
        self.worker = PythonWorker(model, saes)
        tok = Tokenizer.from_file(str(TOKENIZER))
        self.prepared = [Prepared(tok, *t) for t in bench_tasks(96)]

    def ours(self, exe):
        args = ["bench", "pipeline", "--model", "gemma-3-270m", "--offline"]
        args += ["--in-process-only", "--dtype", self.dtype]
        for d in SAE_DIRS:
            args += ["--sae", str(d)]
        r = saescope(args, exe)
        return {"": r["in_process_tokens_per_s"]}

    def python(self):
        return {"transformers + saelens": python_pipeline(self.worker, self.prepared)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--works", default="forward,sae,pipeline")
    parser.add_argument(
        "--dtypes",
        default="auto",
        help="comma-separated; auto = fp32, plus bf16 on a CPU with bf16 units",
    )
    parser.add_argument(
        "--saescope",
        action="append",
        metavar="[LABEL=]PATH",
        help="a checkout's ./saescope (repeatable, to compare builds in the same run; default: "
        "this checkout's). Run each from a checkout nobody edits: ./saescope rebuilds when a "
        "source is newer than its jar.",
    )
    parser.add_argument("--json", type=pathlib.Path, help="also write every round here")
    args = parser.parse_args()
    builds = {}
    for spec in args.saescope or [str(ROOT / "saescope")]:
        label, _, path = spec.rpartition("=")
        builds["saescope" + (f" {label}" if label else "")] = path
    torch.set_num_threads(int(os.environ.get("SIDE_BY_SIDE_THREADS", "2")))
    dtypes = (["fp32", "bf16"] if bf16_cpu() else ["fp32"]) if args.dtypes == "auto" else args.dtypes.split(",")
    kinds = {c.name: c for c in (Forward, SaeEncode, Pipeline)}
    works = []
    for name in args.works.split(","):
        if name not in kinds:
            raise SystemExit(f"unknown work {name!r}; choose from {', '.join(kinds)}")
        for dtype in dtypes if name != "sae" else ["fp32"]:
            print(f"loading {name} ({dtype})", file=sys.stderr, flush=True)
            works.append((f"{name} {dtype}", kinds[name](dtype, args)))
    rounds = []
    for r in range(args.rounds):
        row = {}
        for label, work in works:
            sides = [
                (b, lambda w=work, b=b, e=e: {b + k: v for k, v in w.ours(e).items()})
                for b, e in builds.items()
            ]
            sides.append(("python", work.python))
            for name, side in sides if r % 2 == 0 else sides[::-1]:
                print(f"round {r + 1}/{args.rounds}: {label} {name}", file=sys.stderr, flush=True)
                row.update({f"{label}: {k}": v for k, v in side().items()})
        print(json.dumps(row), flush=True)
        rounds.append(row)
    if args.json:
        args.json.write_text(json.dumps(rounds, indent=1) + "\n")
    report(rounds, works, list(builds))


def report(rounds, works, builds):
    """Medians over rounds and each build's speed over every other figure (above 1 = faster)."""
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    print(f"\n{len(rounds)} rounds, {when}, torch {torch.__version__}")
    print("| work | figure | median | range | " + " | ".join(f"{b} speed / this" for b in builds) + " |")
    print("|---|---|---|---|" + "---|" * len(builds))
    for label, _ in works:
        keys = [k for k in rounds[0] if k.startswith(label + ": ")]
        timed = any(k.endswith(" ms") for k in keys)  # times: lower is faster
        ours = [f"{label}: {b}" + (" ms" if timed else "") for b in builds]

        def speed(mine, other):
            return other / mine if timed else mine / other

        for k in keys:
            values = [row[k] for row in rounds]
            cells = []
            for o in ours:
                if k == o or k.endswith(" best") or "matmul" in k or "ratio" in k:
                    cells.append("")
                    continue
                mid = speed(statistics.median(r[o] for r in rounds), statistics.median(values))
                each = [speed(row[o], row[k]) for row in rounds]
                cells.append(f"{mid:.2f} ({min(each):.2f}-{max(each):.2f})")
            print(
                f"| {label} | {k[len(label) + 2 :]} | {statistics.median(values):,.2f} | "
                f"{min(values):,.2f}-{max(values):,.2f} | " + " | ".join(cells) + " |"
            )


if __name__ == "__main__":
    main()
