package dev.saescope.runtime.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.saescope.runtime.config.ModelConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one forward pass does at each capture site: copy the asked-for rows to Java (the clean
 * values), then apply the patch, if any, in place.
 */
final class PassState {
  private final ModelConfig config;
  private final CaptureSpec spec;
  private final RowSelection captureRows;
  private final NDArray captureIndex; // [selected] int64, or null
  private final Patch patch;
  private final RowSelection patchRows;
  private final NDArray patchIndex; // [selected] int64, or null
  private final Map<HookPoint, float[]> copied = new LinkedHashMap<>();

  PassState(ModelConfig config, CaptureSpec spec, Patch patch, BatchInputs in, NDManager manager) {
    this.config = config;
    this.spec = spec;
    this.captureRows = RowSelection.of(spec.positions(), in);
    this.captureIndex = spec.hooks().isEmpty() ? null : captureRows.index(manager);
    this.patch = patch;
    this.patchRows = patch == null ? null : RowSelection.of(patch.positions(), in);
    this.patchIndex = patch == null ? null : patchRows.index(manager);
  }

  /** Called with the activation at each site; returns the activation the pass continues with. */
  NDArray at(int layer, Site site, NDArray value) {
    HookPoint hook = new HookPoint(layer, site);
    if (spec.hooks().contains(hook)) {
      copied.put(hook, captureIndex == null ? new float[0] : rows(value, captureIndex));
    }
    if (patch != null && patch.hook().equals(hook) && patchIndex != null) {
      int width = site.width(config);
      List<Rows> clean = patchRows.split(rows(value, patchIndex), width);
      float[] edited = new float[patchRows.size() * width];
      int at = 0;
      for (int b = 0; b < clean.size(); b++) {
        float[] e = patch.editor().edit(b, clean.get(b));
        if (e == null || e.length != clean.get(b).values().length) {
          throw new IllegalArgumentException(
              "patch at "
                  + hook
                  + ": the editor returned "
                  + (e == null ? "null" : e.length + " floats")
                  + " for sequence "
                  + b
                  + ", expected "
                  + clean.get(b).values().length);
        }
        System.arraycopy(e, 0, edited, at, e.length);
        at += e.length;
      }
      NDArray replacement =
          Precision.to(
              value.getManager().create(edited, new Shape(patchRows.size(), width)),
              Precision.of(value)); // index_put_ wants the destination's precision
      value.set(new NDIndex("{}", patchIndex), replacement); // index_put_ along rows
    }
    return value;
  }

  /** The copied captures, split per sequence. */
  Map<HookPoint, List<Rows>> captures() {
    Map<HookPoint, List<Rows>> out = new LinkedHashMap<>();
    for (Map.Entry<HookPoint, float[]> e : copied.entrySet()) {
      out.put(e.getKey(), captureRows.split(e.getValue(), e.getKey().site().width(config)));
    }
    return out;
  }

  /** Rows of a [batch*seq, width] activation, selected by a flat row index, as a Java array. */
  private static float[] rows(NDArray value, NDArray index) {
    try (NDArray selected = value.get(new NDIndex("{}", index));
        NDArray fp32 = Precision.fp32(selected)) {
      return fp32.toFloatArray(); // bf16 and fp16 values are exact in fp32
    }
  }
}
