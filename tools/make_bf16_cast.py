#!/usr/bin/env python3
"""The TorchScript module saescope casts arrays to bfloat16 with (runtime/.../model/to_bf16.pt).

DJL 0.36's PyTorch JNI maps its DataType codes to torch scalar types without a case for BFLOAT16
(`GetScalarTypeFromDType` in djl_pytorch_utils.h ends in a bare `throw;`), so `NDArray.toType(
DataType.BFLOAT16)` terminates the JVM. Every other operation on bf16 arrays goes through the
engine unchanged; only the cast into bf16 needs this module: `forward(x) = x.to(torch.bfloat16)`,
which rounds to nearest even exactly as `model.to(torch.bfloat16)` does in transformers.

Run:  tools/.venv/bin/python tools/make_bf16_cast.py   (versions: tools/requirements-reference.txt)
Not run by CI; the module is committed.
"""

import pathlib

import torch

OUT = pathlib.Path(__file__).resolve().parent.parent / "runtime/src/main/resources/dev/saescope/runtime/model/to_bf16.pt"


class ToBf16(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.to(torch.bfloat16)


def main():
    module = torch.jit.script(ToBf16())
    OUT.parent.mkdir(parents=True, exist_ok=True)
    module.save(str(OUT))
    check = torch.jit.load(str(OUT))
    x = torch.tensor([1.0, 1.00390625, 1.01171875, -3.0e38, 65504.0])
    assert torch.equal(check(x), x.to(torch.bfloat16))
    print(OUT, OUT.stat().st_size, "bytes, torch", torch.__version__)


if __name__ == "__main__":
    main()
