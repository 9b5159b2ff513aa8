package dev.saescope.runtime.sae.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.saescope.runtime.model.Site;
import dev.saescope.runtime.sae.Activation;
import dev.saescope.runtime.sae.SaeMetadata;
import dev.saescope.runtime.sae.SaeParams;
import dev.saescope.runtime.weights.HostTensor;
import dev.saescope.runtime.weights.Safetensors;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes an SAE as SAELens 6 does ({@code SAE.save_model}): {@code sae_weights.safetensors} with
 * {@code W_enc [d_in, d_sae]}, {@code W_dec [d_sae, d_in]}, {@code b_enc}, {@code b_dec} (and
 * {@code threshold} for JumpReLU), and {@code cfg.json} with the fields of {@code
 * SAEConfig.to_dict}. {@code SAE.load_from_disk} reads the result (checked by tools/sae_golden.py).
 */
public final class SaeLensWriter {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** The SAELens version whose layout we write; SAELens treats older versions with a converter. */
  static final String SAELENS_VERSION = "6.54.12";

  private SaeLensWriter() {}

  /** Writes {@code dir/cfg.json} and {@code dir/sae_weights.safetensors}, each atomically. */
  public static void save(SaeParams p, Path dir) throws IOException {
    Files.createDirectories(dir);
    SaeMetadata m = p.meta();
    List<HostTensor> tensors = new ArrayList<>();
    tensors.add(tensor("W_enc", p.wEnc(), m.dIn(), m.dSae()));
    tensors.add(tensor("W_dec", p.wDec(), m.dSae(), m.dIn()));
    tensors.add(tensor("b_enc", p.bEnc(), m.dSae()));
    tensors.add(tensor("b_dec", p.bDec(), m.dIn()));
    if (m.activation() instanceof Activation.JumpRelu) {
      tensors.add(tensor("threshold", p.threshold(), m.dSae()));
    }
    Path tmpWeights = dir.resolve(SaeFormat.SAELENS_WEIGHTS + ".tmp");
    Safetensors.writeF32(tmpWeights, tensors, Map.of("format", "pt"));
    Files.move(
        tmpWeights,
        dir.resolve(SaeFormat.SAELENS_WEIGHTS),
        StandardCopyOption.REPLACE_EXISTING,
        StandardCopyOption.ATOMIC_MOVE);
    Path tmpCfg = dir.resolve(SaeFormat.SAELENS_CFG + ".tmp");
    JSON.writeValue(tmpCfg.toFile(), config(m));
    Files.move(
        tmpCfg,
        dir.resolve(SaeFormat.SAELENS_CFG),
        StandardCopyOption.REPLACE_EXISTING,
        StandardCopyOption.ATOMIC_MOVE);
  }

  /** The {@code cfg.json} object. */
  static ObjectNode config(SaeMetadata m) {
    ObjectNode c = JSON.createObjectNode();
    c.put("d_in", m.dIn());
    c.put("d_sae", m.dSae());
    c.put("dtype", "float32");
    c.put("device", "cpu");
    c.put("apply_b_dec_to_input", m.applyBDecToInput());
    c.put("normalize_activations", "none");
    boolean hookZ = m.hook().map(h -> h.site() == Site.ATTN_Z).orElse(false);
    c.put("reshape_activations", hookZ ? "hook_z" : "none");
    switch (m.activation()) {
      case Activation.TopK t -> {
        c.put("k", t.k());
        c.put("rescale_acts_by_decoder_norm", false);
      }
      case Activation.JumpRelu j -> {}
      case Activation.Relu r -> {}
    }
    ObjectNode meta = c.putObject("metadata");
    meta.put("sae_lens_version", SAELENS_VERSION);
    meta.put("sae_lens_training_version", SAELENS_VERSION);
    if (m.modelId().isEmpty()) {
      meta.putNull("model_name");
    } else {
      meta.put("model_name", m.modelId());
    }
    m.hook()
        .ifPresentOrElse(
            h -> meta.put("hook_name", TlHookNames.of(h)), () -> meta.putNull("hook_name"));
    meta.putNull("hook_head_index");
    meta.put("prepend_bos", true);
    meta.put("saescope_hash", m.hash());
    c.put("architecture", m.activation().architecture());
    return c;
  }

  private static HostTensor tensor(String name, float[] data, long... shape) {
    return new HostTensor(name, shape, FloatBuffer.wrap(data));
  }
}
