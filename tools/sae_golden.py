#!/usr/bin/env python3
"""Golden files for saescope's SAE runtime, made with SAELens (PyPI sae-lens 6.x).

  tools/.venv/bin/python tools/sae_golden.py write [OUT_DIR]
      OUT_DIR defaults to runtime/src/test/resources/golden/sae. For each case it writes
      CASE/sae/ (SAELens layout: cfg.json + sae_weights.safetensors), x.npy [n, d_in],
      z.npy [n, d_sae] = sae.encode(x) and xhat.npy [n, d_in] = sae.decode(sae.encode(x)),
      plus a Gemma Scope-style params.npz and a Gemma Scope 2 folder for the JumpReLU case.
      The reference is computed in float64 from the float32 weights, so it is the exact answer
      for the weights saescope reads; inputs are resampled until no pre-activation lies within
      MARGIN of a JumpReLU threshold or of a TopK boundary, so fp32 rounding cannot flip a latent.

  tools/.venv/bin/python tools/sae_golden.py verify SAE_DIR X.npy Z.npy
      Loads an SAE folder written by saescope with SAELens' SAE.load_from_disk and checks that
      SAELens' encode of X matches saescope's latents Z (max abs diff printed, exit 1 if > 1e-4).

Not run by CI; the committed outputs are what the Java tests read.
"""
import json
import pathlib
import sys

import numpy as np
import torch
from safetensors.torch import save_file
from sae_lens import SAE, JumpReLUSAE, JumpReLUSAEConfig, StandardSAE, StandardSAEConfig, TopKSAE, TopKSAEConfig

MARGIN = 1e-3
SEED = 1234


def make(case, arch, d_in, d_sae, apply_b_dec, k=None, rescale=False, hook="blocks.3.hook_resid_post"):
    g = torch.Generator().manual_seed(SEED + len(case) * 7 + d_sae)  # fixed per case, no hash()
    meta = dict(model_name="golden-model", hook_name=hook)
    if arch == "jumprelu":
        cfg = JumpReLUSAEConfig(d_in=d_in, d_sae=d_sae, apply_b_dec_to_input=apply_b_dec)
        sae = JumpReLUSAE(cfg)
    elif arch == "topk":
        cfg = TopKSAEConfig(d_in=d_in, d_sae=d_sae, k=k, apply_b_dec_to_input=apply_b_dec,
                            rescale_acts_by_decoder_norm=rescale)
        sae = TopKSAE(cfg)
    else:
        cfg = StandardSAEConfig(d_in=d_in, d_sae=d_sae, apply_b_dec_to_input=apply_b_dec)
        sae = StandardSAE(cfg)
    for key, value in meta.items():
        sae.cfg.metadata[key] = value
    with torch.no_grad():
        sae.W_enc.copy_(torch.randn(d_in, d_sae, generator=g) / np.sqrt(d_in))
        sae.W_dec.copy_(torch.randn(d_sae, d_in, generator=g) / np.sqrt(d_in) * (1.5 if rescale else 1.0))
        sae.b_enc.copy_(torch.randn(d_sae, generator=g) * 0.1)
        sae.b_dec.copy_(torch.randn(d_in, generator=g) * 0.1)
        if arch == "jumprelu":
            thr = torch.rand(d_sae, generator=g) * 1.2
            thr[:4] = -0.05  # negative thresholds: SAELens applies ReLU first
            sae.threshold.copy_(thr)
    return sae, g


def pre_acts(sae, x64):
    s = sae.to(torch.float64)
    sae_in = s.process_sae_in(x64)
    pre = sae_in @ s.W_enc + s.b_enc
    if getattr(s.cfg, "rescale_acts_by_decoder_norm", False):
        pre = pre * s.W_dec.norm(dim=-1)
    return pre


def safe_inputs(sae, arch, n, g, k=None):
    """Rows whose latents are not within MARGIN of flipping."""
    rows = []
    while len(rows) < n:
        x = torch.randn(1, sae.cfg.d_in, generator=g, dtype=torch.float64) * 1.5
        pre = pre_acts(sae, x)[0]
        if arch == "jumprelu":
            ok = torch.all((pre - torch.clamp(sae.threshold.double(), min=0)).abs() > MARGIN)
        elif arch == "topk":
            top = torch.topk(pre, k + 1).values
            ok = (top[k - 1] - top[k]).abs() > MARGIN and torch.all(pre.abs() > MARGIN)
        else:
            ok = torch.all(pre.abs() > MARGIN)
        if ok:
            rows.append(x)
    return torch.cat(rows)


def write_case(out, case, arch, d_in, d_sae, apply_b_dec, n, k=None, rescale=False, hook="blocks.3.hook_resid_post"):
    sae, g = make(case, arch, d_in, d_sae, apply_b_dec, k, rescale, hook)
    d = out / case
    sae.to(torch.float32).save_model(d / "sae")
    # Reload through SAELens' own loader so the golden data is what a SAELens user would get.
    loaded = SAE.load_from_disk(d / "sae")
    x = safe_inputs(loaded, arch, n, g, k)
    s64 = loaded.to(torch.float64)
    with torch.no_grad():
        z = s64.encode(x)
        xhat = s64.decode(z)
    np.save(d / "x.npy", x.float().numpy())
    np.save(d / "z.npy", z.float().numpy())
    np.save(d / "xhat.npy", xhat.float().numpy())
    l0 = (z != 0).sum(-1).double().mean().item()
    print(f"{case}: {arch} d_in={d_in} d_sae={d_sae} k={k} apply_b_dec={apply_b_dec} "
          f"rescale={rescale} n={n} mean L0={l0:.1f}")
    return loaded.to(torch.float32)


def write(out):
    out.mkdir(parents=True, exist_ok=True)
    jr = write_case(out, "jumprelu_32x128", "jumprelu", 32, 128, False, 24)
    write_case(out, "jumprelu_48x192_bdec", "jumprelu", 48, 192, True, 16, hook="blocks.0.hook_mlp_out")
    write_case(out, "topk_32x128_k8", "topk", 32, 128, True, 24, k=8)
    write_case(out, "topk_64x256_k16_rescale", "topk", 64, 256, False, 16, k=16, rescale=True,
               hook="blocks.2.attn.hook_z")
    write_case(out, "relu_32x64", "standard", 32, 64, True, 16, hook="blocks.1.hook_resid_pre")

    # The JumpReLU case again as Gemma Scope ships it: params.npz under a hub-like path.
    w = {name: getattr(jr, name).detach().numpy() for name in ("W_enc", "W_dec", "b_enc", "b_dec", "threshold")}
    npz_dir = out / "jumprelu_32x128" / "gemma-scope-2b-pt-res" / "layer_3" / "width_tiny" / "average_l0_9"
    npz_dir.mkdir(parents=True, exist_ok=True)
    np.savez(npz_dir / "params.npz", **w)
    # ... and as Gemma Scope 2 ships it: lower-case safetensors names plus config.json.
    gs2 = out / "jumprelu_32x128" / "gemma-scope-2"
    gs2.mkdir(parents=True, exist_ok=True)
    save_file({k.lower(): torch.from_numpy(v.copy()) for k, v in w.items()}, gs2 / "params.safetensors")
    (gs2 / "config.json").write_text(json.dumps({
        "architecture": "jump_relu", "model_name": "gemma-v3-270m-pt",
        "hf_hook_point_in": "model.layers.3.output"}))
    total = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(f"wrote {out} ({total / 1e6:.2f} MB)")


def verify(sae_dir, x_file, z_file):
    sae = SAE.load_from_disk(sae_dir).to(torch.float64)
    # attn_z SAEs are saved with reshape_activations="hook_z" (SAELens then expects
    # [..., n_heads, d_head] from HookedTransformer); our vectors are already flattened head-major.
    sae.turn_off_forward_pass_hook_z_reshaping()
    x = torch.from_numpy(np.load(x_file)).double()
    z_java = torch.from_numpy(np.load(z_file)).double()
    with torch.no_grad():
        z = sae.encode(x)
    diff = (z - z_java).abs().max().item()
    print(f"SAELens loaded {sae_dir} ({sae.cfg.architecture()}, d_in={sae.cfg.d_in}, d_sae={sae.cfg.d_sae}, "
          f"hook={sae.cfg.metadata.hook_name}); max |z_saelens - z_saescope| = {diff:.3g}")
    return 0 if diff <= 1e-4 else 1


if __name__ == "__main__":
    torch.manual_seed(SEED)
    if len(sys.argv) >= 2 and sys.argv[1] == "write":
        root = pathlib.Path(__file__).resolve().parent.parent
        write(pathlib.Path(sys.argv[2]) if len(sys.argv) > 2 else root / "runtime/src/test/resources/golden/sae")
    elif len(sys.argv) == 5 and sys.argv[1] == "verify":
        sys.exit(verify(*sys.argv[2:]))
    else:
        print(__doc__)
        sys.exit(2)
