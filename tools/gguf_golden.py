#!/usr/bin/env python3
"""Golden values of the real Gemma 3 270M GGUF, read with llama.cpp's own Python reader.

Writes runtime/src/test/resources/golden/gguf/gemma-3-270m.json, which GgufGoldenTest compares
with saescope's Java reader:

- metadata: every scalar key the Java side maps to ModelConfig, plus array lengths;
- tensors: for all 236 tensors, name, ggml type, ne and data offset as gguf.GGUFReader sees them,
  and the float64 sum and sum of squares of the whole tensor dequantized by gguf.quants.dequantize
  (covers every byte of the file, in a few KB);
- samples: for every quantization type in the file, a few tensors (first, middle, last of that
  type) and a few rows of each, dequantized by gguf.quants.dequantize, as base64 little-endian
  float32 (exact bits).

With --synthetic it instead writes a tiny GGUF with gguf.GGUFWriter (all-types.gguf: one small
tensor of every type saescope decodes, filled with random blocks whose f16 scales are sane, and
one metadata key of every value type) and all-types.json with the values gguf.quants.dequantize
gives for it. That covers the types the real file does not hold (F16, BF16, Q4_0, Q4_1, Q5_1,
Q5_K, Q2_K, Q3_K, IQ4_NL, IQ4_XS) against llama.cpp's reference, with no model needed.

Not run by CI. Usage (venv with gguf installed; the model provisioned by fetch-model):
    tools/.venv/bin/python tools/gguf_golden.py [--gguf PATH] [--out PATH]
    tools/.venv/bin/python tools/gguf_golden.py --synthetic
"""

import argparse
import base64
import hashlib
import importlib.metadata
import json
import os
from collections import defaultdict
from pathlib import Path

import gguf
import numpy as np
from gguf import quants

ROOT = Path(__file__).resolve().parent.parent
HOME = Path(os.environ.get("SAESCOPE_HOME", Path.home() / ".cache" / "saescope"))
DEFAULT_GGUF = HOME / "models" / "gemma-3-270m" / "gemma-3-270m-q4_k_m.gguf"
DEFAULT_OUT = ROOT / "runtime/src/test/resources/golden/gguf/gemma-3-270m.json"

# Rows of token_embd worth pinning: pad, eos, bos, a mid-vocab word, the last row.
EMBED_ROWS = [0, 1, 2, 9079, 262143]


def scalar(field):
    v = field.contents()
    if isinstance(v, (np.generic,)):
        v = v.item()
    return v


def rows_of(t):
    """(rows, raw bytes per row) of a tensor; ggml rows run along ne[0]."""
    ne = [int(x) for x in t.shape]
    n_rows = int(np.prod(ne[1:])) if len(ne) > 1 else 1
    return n_rows, int(t.n_bytes) // n_rows


def dequant_rows(t, first, count):
    n_rows, row_bytes = rows_of(t)
    raw = np.asarray(t.data).reshape(-1).view(np.uint8)
    chunk = raw[first * row_bytes:(first + count) * row_bytes]
    if t.tensor_type == gguf.GGMLQuantizationType.F32:
        return chunk.view(np.float32).copy()
    return quants.dequantize(chunk, t.tensor_type).reshape(-1).astype(np.float32)


# Byte offsets of the f16 scale fields inside one block (ggml-common.h block structs).
SCALE_FIELDS = {
    "Q4_0": [0], "Q4_1": [0, 2], "Q5_0": [0], "Q5_1": [0, 2], "Q8_0": [0],
    "Q4_K": [0, 2], "Q5_K": [0, 2], "Q6_K": [208],
    "Q2_K": [80, 82], "Q3_K": [108], "IQ4_NL": [0], "IQ4_XS": [0],
}
SYNTH_DIR = ROOT / "runtime/src/test/resources/golden/gguf"


def synthetic():
    rng = np.random.default_rng(20261125)
    path = SYNTH_DIR / "all-types.gguf"
    w = gguf.GGUFWriter(str(path), "gemma3")  # writes general.architecture first
    meta = {
        "t.u8": ("UINT8", 200, w.add_uint8), "t.i8": ("INT8", -100, w.add_int8),
        "t.u16": ("UINT16", 60000, w.add_uint16), "t.i16": ("INT16", -30000, w.add_int16),
        "t.u32": ("UINT32", 4000000000, w.add_uint32), "t.i32": ("INT32", -2000000000, w.add_int32),
        "t.f32": ("FLOAT32", 0.1, w.add_float32), "t.u64": ("UINT64", 2**40 + 3, w.add_uint64),
        "t.i64": ("INT64", -(2**40), w.add_int64), "t.f64": ("FLOAT64", 0.1, w.add_float64),
        "t.bool": ("BOOL", True, w.add_bool), "t.str": ("STRING", "h\u00e9llo <b>", w.add_string),
    }
    expected_meta = {}
    for key, (type_name, value, add) in meta.items():
        add(key, value)
        expected_meta[key] = {"type": type_name,
                              "value": float(np.float32(value)) if type_name == "FLOAT32" else value}
    w.add_array("t.strs", ["a", "bc", ""])
    w.add_array("t.ints", [1, -2, 3])
    w.add_array("t.floats", [0.5, -1.25])
    w.add_array("t.bools", [True, False])
    expected_meta["t.strs"] = {"type": "ARRAY", "value": ["a", "bc", ""]}
    expected_meta["t.ints"] = {"type": "ARRAY", "value": [1, -2, 3]}
    expected_meta["t.floats"] = {"type": "ARRAY", "value": [0.5, -1.25]}
    expected_meta["t.bools"] = {"type": "ARRAY", "value": [True, False]}

    tensors = {}
    rows, cols = 3, 512
    for type_name in ["F32", "F16", "BF16", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q4_K", "Q5_K", "Q6_K",
                      "Q2_K", "Q3_K", "IQ4_NL", "IQ4_XS"]:
        qt = gguf.GGMLQuantizationType[type_name]
        name = "t_" + type_name.lower() + ".weight"
        if type_name in ("F32", "F16"):
            vals = rng.normal(0, 1, size=(rows, cols)).astype(np.float32 if type_name == "F32" else np.float16)
            w.add_tensor(name, vals)
            raw = vals.tobytes()
        elif type_name == "BF16":
            f = rng.normal(0, 1, size=(rows, cols)).astype(np.float32)
            raw_u16 = (f.view(np.uint32) >> 16).astype(np.uint16)
            w.add_tensor(name, raw_u16.view(np.uint8).reshape(rows, cols * 2), raw_dtype=qt)
            raw = raw_u16.tobytes()
        else:
            block, size = gguf.GGML_QUANT_SIZES[qt]
            n_blocks = rows * cols // block
            blocks = rng.integers(0, 256, size=(n_blocks, size), dtype=np.uint8)
            for off in SCALE_FIELDS[type_name]:
                scales = rng.uniform(-0.05, 0.05, size=n_blocks).astype(np.float16)
                blocks[:, off:off + 2] = scales.view(np.uint8).reshape(n_blocks, 2)
            data = blocks.reshape(rows, cols // block * size)
            w.add_tensor(name, data, raw_dtype=qt)
            raw = data.tobytes()
        buf = np.frombuffer(raw, dtype=np.uint8)
        deq = quants.dequantize(buf, qt).reshape(-1).astype(np.float32)
        tensors[name] = {"type": type_name, "ne": [cols, rows],
                         "f32_le_base64": base64.b64encode(deq.astype("<f4").tobytes()).decode()}
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    doc = {"source": "tools/gguf_golden.py --synthetic with gguf " + importlib.metadata.version("gguf"),
           "size": path.stat().st_size, "metadata": expected_meta, "tensors": tensors}
    out = SYNTH_DIR / "all-types.json"
    out.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"wrote {path} ({path.stat().st_size} bytes) and {out} ({out.stat().st_size} bytes)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gguf", type=Path, default=DEFAULT_GGUF)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--synthetic", action="store_true", help="write all-types.gguf/.json instead")
    args = ap.parse_args()
    if args.synthetic:
        synthetic()
        return

    r = gguf.GGUFReader(str(args.gguf))
    sha = hashlib.sha256(args.gguf.read_bytes()).hexdigest()

    meta = {}
    arrays = {}
    for key, field in r.fields.items():
        if key.startswith("GGUF."):
            continue
        if field.types and field.types[0] == gguf.GGUFValueType.ARRAY:
            arrays[key] = {"element_type": field.types[-1].name, "length": len(field.data)}
        else:
            meta[key] = {"type": field.types[0].name, "value": scalar(field)}
    tokens = r.fields["tokenizer.ggml.tokens"].contents()

    tensors = []
    by_type = defaultdict(list)
    for t in r.tensors:
        full = dequant_rows(t, 0, rows_of(t)[0]).astype(np.float64)
        tensors.append({
            "name": t.name,
            "type": t.tensor_type.name,
            "ne": [int(x) for x in t.shape],
            "offset": int(t.data_offset),
            "n_bytes": int(t.n_bytes),
            "sum": float(full.sum()),
            "sum_sq": float((full * full).sum()),
            "max_abs": float(np.abs(full).max()),
        })
        by_type[t.tensor_type.name].append(t)

    samples = []
    for type_name, ts in sorted(by_type.items()):
        picks = sorted({0, len(ts) // 2, len(ts) - 1})
        for i in picks:
            t = ts[i]
            n_rows, _ = rows_of(t)
            rows = EMBED_ROWS if t.name == "token_embd.weight" else sorted({0, n_rows // 2, n_rows - 1})
            for row in rows:
                vals = dequant_rows(t, row, 1)
                samples.append({
                    "tensor": t.name,
                    "type": type_name,
                    "row": row,
                    "f32_le_base64": base64.b64encode(vals.astype("<f4").tobytes()).decode(),
                })

    doc = {
        "source": "tools/gguf_golden.py with gguf " + importlib.metadata.version("gguf")
                  + " (gguf.GGUFReader + gguf.quants.dequantize)",
        "file": args.gguf.name,
        "size": args.gguf.stat().st_size,
        "sha256": sha,
        "data_start": int(r.data_offset),
        "alignment": int(r.alignment),
        "metadata": meta,
        "arrays": arrays,
        "tokens_sample": {str(i): tokens[i] for i in [0, 1, 2, 3, 106, 9079, 262143]},
        "type_counts": {k: len(v) for k, v in sorted(by_type.items())},
        "tensors": tensors,
        "samples": samples,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes): {len(tensors)} tensors, "
          f"{len(samples)} sampled rows, types {doc['type_counts']}")


if __name__ == "__main__":
    main()
