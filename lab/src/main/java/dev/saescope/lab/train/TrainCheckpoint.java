package dev.saescope.lab.train;

import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.saescope.runtime.weights.HostTensor;
import dev.saescope.runtime.weights.Safetensors;
import dev.saescope.runtime.weights.WeightsException;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A trainer's full state in {@code OUT/checkpoint/}: {@code state.safetensors} (parameters and Adam
 * moments, fp32, bit-exact) and {@code trainer.json} (step, tokens, input scale, when each latent
 * last fired, and the configuration it must be resumed with). Both are written to temporary names
 * and moved into place, state first, so a crash leaves the previous checkpoint.
 */
final class TrainCheckpoint {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String[] NAMES = {"W_enc", "b_enc", "W_dec", "b_dec"};
  private static final int VERSION = 1;

  private TrainCheckpoint() {}

  static Path dir(Path outDir) {
    return outDir.resolve("checkpoint");
  }

  static boolean exists(Path outDir) {
    return Files.isRegularFile(dir(outDir).resolve("trainer.json"))
        && Files.isRegularFile(dir(outDir).resolve("state.safetensors"));
  }

  static void save(TopKTrainer t, Path outDir) throws IOException {
    Path d = dir(outDir);
    Files.createDirectories(d);
    NDArray[] ps = t.params();
    List<HostTensor> tensors = new ArrayList<>();
    for (int i = 0; i < ps.length; i++) {
      long[] shape = ps[i].getShape().getShape();
      tensors.add(new HostTensor(NAMES[i], shape, FloatBuffer.wrap(ps[i].toFloatArray())));
      tensors.add(
          new HostTensor(NAMES[i] + ".adam_m", shape, FloatBuffer.wrap(t.adamM[i].toFloatArray())));
      tensors.add(
          new HostTensor(NAMES[i] + ".adam_v", shape, FloatBuffer.wrap(t.adamV[i].toFloatArray())));
    }
    Path tmpState = d.resolve("state.safetensors.tmp");
    Safetensors.writeF32(tmpState, tensors, Map.of("format", "saescope-topk-trainer"));
    ObjectNode j = JSON.createObjectNode();
    j.put("version", VERSION);
    j.put("step", t.step);
    j.put("tokens", t.tokens);
    j.put("scale", t.scale);
    if (t.dimWeights != null) {
      ArrayNode w = j.putArray("dim_weights");
      for (float v : t.dimWeights) {
        w.add(v);
      }
    }
    j.set("config", config(t.config()));
    ArrayNode fired = j.putArray("last_fired");
    for (long f : t.lastFired) {
      fired.add(f);
    }
    Path tmpJson = d.resolve("trainer.json.tmp");
    JSON.writeValue(tmpJson.toFile(), j);
    Files.move(
        tmpState,
        d.resolve("state.safetensors"),
        StandardCopyOption.REPLACE_EXISTING,
        StandardCopyOption.ATOMIC_MOVE);
    Files.move(
        tmpJson,
        d.resolve("trainer.json"),
        StandardCopyOption.REPLACE_EXISTING,
        StandardCopyOption.ATOMIC_MOVE);
  }

  /** The fields a resumed run must share with the original for the result to be the same. */
  static ObjectNode config(TrainConfig c) {
    ObjectNode o = JSON.createObjectNode();
    o.put("d_in", c.dIn());
    o.put("d_sae", c.dSae());
    o.put("k", c.k());
    o.put("aux_k", c.auxK());
    o.put("aux_coeff", c.auxCoeff());
    o.put("dead_after_tokens", c.deadAfterTokens());
    o.put("lr", c.lr());
    o.put("beta1", c.beta1());
    o.put("beta2", c.beta2());
    o.put("eps", c.eps());
    o.put("batch_size", c.batchSize());
    o.put("seed", c.seed());
    if (c.lrDecayFrom() < 1) {
      o.put(
          "lr_decay_from",
          c.lrDecayFrom()); // absent = constant, as in checkpoints made before it existed
      o.put("total_tokens", c.totalTokens()); // the decay schedule depends on the budget
    }
    if (c.stdWeightExponent() > 0) {
      o.put("std_weight_exponent", c.stdWeightExponent()); // absent = plain MSE, as before it
    }
    return o;
  }

  static void load(TopKTrainer t, Path outDir) throws IOException {
    Path d = dir(outDir);
    Path jsonFile = d.resolve("trainer.json");
    JsonNode j = JSON.readTree(jsonFile.toFile());
    if (j.path("version").asInt() != VERSION) {
      throw new WeightsException(
          jsonFile, "checkpoint version " + j.path("version") + ", expected " + VERSION);
    }
    JsonNode saved = j.path("config");
    ObjectNode now = config(t.config());
    Set<String> fields = new TreeSet<>();
    saved.fieldNames().forEachRemaining(fields::add);
    now.fieldNames().forEachRemaining(fields::add);
    for (String f : fields) { // a setting absent on one side (an older checkpoint) differs too
      String was = saved.has(f) ? saved.get(f).asText() : "(not set)";
      String is = now.has(f) ? now.get(f).asText() : "(not set)";
      if (!was.equals(is)) {
        throw new WeightsException(
            jsonFile,
            "checkpoint was made with "
                + f
                + "="
                + was
                + " but this run has "
                + f
                + "="
                + is
                + " (use another --out, or the same settings to resume)");
      }
    }
    try (Safetensors st = Safetensors.open(d.resolve("state.safetensors"))) {
      NDArray[] ps = t.params();
      for (int i = 0; i < ps.length; i++) {
        set(st, NAMES[i], ps[i]);
        set(st, NAMES[i] + ".adam_m", t.adamM[i]);
        set(st, NAMES[i] + ".adam_v", t.adamV[i]);
      }
    }
    t.step = j.path("step").asLong();
    t.tokens = j.path("tokens").asLong();
    t.scale = (float) j.path("scale").asDouble();
    JsonNode w = j.path("dim_weights");
    if (t.config().stdWeightExponent() > 0 && t.step > 0) {
      if (w.size() != t.config().dIn()) {
        throw new WeightsException(
            jsonFile, "dim_weights has " + w.size() + " entries, expected " + t.config().dIn());
      }
      t.dimWeights = new float[w.size()];
      for (int i = 0; i < w.size(); i++) {
        t.dimWeights[i] = (float) w.get(i).asDouble();
      }
    }
    JsonNode fired = j.path("last_fired");
    if (fired.size() != t.lastFired.length) {
      throw new WeightsException(
          jsonFile, "last_fired has " + fired.size() + " entries, expected " + t.lastFired.length);
    }
    for (int i = 0; i < t.lastFired.length; i++) {
      t.lastFired[i] = fired.get(i).asLong();
    }
  }

  private static void set(Safetensors st, String name, NDArray into) throws WeightsException {
    HostTensor h = st.read(name);
    if (!Arrays.equals(h.shape(), into.getShape().getShape())) {
      throw new WeightsException(
          st.file(), name, "shape " + Arrays.toString(h.shape()) + ", expected " + into.getShape());
    }
    into.set(h.data().array());
  }
}
