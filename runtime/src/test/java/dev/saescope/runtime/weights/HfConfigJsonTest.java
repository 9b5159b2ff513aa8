package dev.saescope.runtime.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.saescope.runtime.config.GemmaPresets;
import dev.saescope.runtime.config.ModelConfig;
import dev.saescope.runtime.config.ModelConfig.AttentionKind;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class HfConfigJsonTest {
  private static final Path FILE = Path.of("/models/x/config.json");

  private static ModelConfig parse(String json) throws Exception {
    return HfConfigJson.parse(FILE, TinyModels.JSON.readTree(json));
  }

  private static String error(String json) {
    return assertThrows(WeightsException.class, () -> parse(json)).getMessage();
  }

  /** google/gemma-2-2b's config.json (GEMMA-NOTES.md §1). */
  private static final String GEMMA2_2B =
      """
      {"architectures": ["Gemma2ForCausalLM"], "attention_bias": false, "attention_dropout": 0.0,
       "attn_logit_softcapping": 50.0, "bos_token_id": 2, "cache_implementation": "hybrid",
       "eos_token_id": 1, "final_logit_softcapping": 30.0, "head_dim": 256,
       "hidden_act": "gelu_pytorch_tanh", "hidden_activation": "gelu_pytorch_tanh",
       "hidden_size": 2304, "initializer_range": 0.02, "intermediate_size": 9216,
       "max_position_embeddings": 8192, "model_type": "gemma2", "num_attention_heads": 8,
       "num_hidden_layers": 26, "num_key_value_heads": 4, "pad_token_id": 0,
       "query_pre_attn_scalar": 256, "rms_norm_eps": 1e-06, "rope_theta": 10000.0,
       "sliding_window": 4096, "torch_dtype": "float32", "transformers_version": "4.42.4",
       "use_cache": true, "vocab_size": 256000}
      """;

  /** A transformers-v4 Gemma 3 270M config (public fine-tunes keep these values). */
  private static final String GEMMA3_270M_V4 =
      """
      {"_sliding_window_pattern": 6, "architectures": ["Gemma3ForCausalLM"],
       "attention_bias": false, "attn_logit_softcapping": null, "bos_token_id": 2,
       "eos_token_id": 1, "final_logit_softcapping": null, "head_dim": 256,
       "hidden_activation": "gelu_pytorch_tanh", "hidden_size": 640, "intermediate_size": 2048,
       "layer_types": ["sliding_attention", "sliding_attention", "sliding_attention",
         "sliding_attention", "sliding_attention", "full_attention", "sliding_attention",
         "sliding_attention", "sliding_attention", "sliding_attention", "sliding_attention",
         "full_attention", "sliding_attention", "sliding_attention", "sliding_attention",
         "sliding_attention", "sliding_attention", "full_attention"],
       "max_position_embeddings": 32768, "model_type": "gemma3_text", "num_attention_heads": 4,
       "num_hidden_layers": 18, "num_key_value_heads": 1, "pad_token_id": 0,
       "query_pre_attn_scalar": 256, "rms_norm_eps": 1e-06, "rope_local_base_freq": 10000.0,
       "rope_scaling": null, "rope_theta": 1000000.0, "sliding_window": 512,
       "use_bidirectional_attention": false, "vocab_size": 262144}
      """;

  @Test
  void gemma2_2bMatchesThePreset() throws Exception {
    assertEquals(GemmaPresets.GEMMA_2_2B.config(), parse(GEMMA2_2B));
  }

  @Test
  void gemma3_270mV4MatchesThePreset() throws Exception {
    assertEquals(GemmaPresets.GEMMA_3_270M.config(), parse(GEMMA3_270M_V4));
  }

  @Test
  void gemma3V5RopeParametersPerLayerTypeAndNoLayerTypes() throws Exception {
    // transformers v5 re-saves: rope_parameters keyed by layer type, legacy pattern field
    String v5 =
        GEMMA3_270M_V4
            .replaceAll("\"layer_types\": \\[[^\\]]*\\],", "")
            .replace("\"rope_local_base_freq\": 10000.0,", "")
            .replace("\"rope_theta\": 1000000.0,", "")
            .replace(
                "\"rope_scaling\": null,",
                "\"rope_parameters\": {\"full_attention\": {\"rope_type\": \"default\","
                    + " \"rope_theta\": 1000000.0}, \"sliding_attention\": {\"rope_type\":"
                    + " \"default\", \"rope_theta\": 10000.0}},")
            .replace("\"_sliding_window_pattern\": 6", "\"sliding_window_pattern\": 6");
    assertEquals(GemmaPresets.GEMMA_3_270M.config(), parse(v5));
  }

  @Test
  void roundTripThroughToJson() throws Exception {
    for (ModelConfig c :
        new ModelConfig[] {
          GemmaPresets.GEMMA_2_2B.config(), GemmaPresets.GEMMA_3_270M.config(5),
          TinyModels.gemma2(), TinyModels.gemma3()
        }) {
      JsonNode json = HfConfigJson.toJson(c);
      assertEquals(c, HfConfigJson.parse(FILE, json), json.toString());
    }
  }

  @Test
  void writtenConfigKeepsTheOfficialJsonTypes() {
    // transformers v5 validates config types strictly: query_pre_attn_scalar 256.0 is rejected
    // (checked by hand: AutoModelForCausalLM.from_pretrained on a make-random-model folder)
    JsonNode json = HfConfigJson.toJson(GemmaPresets.GEMMA_3_270M.config());
    assertTrue(json.get("query_pre_attn_scalar").isInt(), json.toString());
    assertTrue(json.get("num_hidden_layers").isInt() && json.get("rope_theta").isDouble());
  }

  @Test
  void gemma3DefaultPatternAndFlatRopeParameters() throws Exception {
    ModelConfig c =
        parse(
            """
            {"model_type": "gemma3_text", "vocab_size": 64, "hidden_size": 8,
             "intermediate_size": 16, "num_hidden_layers": 7, "num_attention_heads": 2,
             "num_key_value_heads": 1, "head_dim": 4,
             "rope_parameters": {"rope_type": "default", "rope_theta": 5000.0}}
            """);
    assertEquals(AttentionKind.FULL, c.layerKinds().get(5));
    assertEquals(AttentionKind.SLIDING, c.layerKinds().get(6));
    assertEquals(5000.0, c.ropeThetaGlobal());
    assertEquals(10000.0, c.ropeThetaLocal());
    assertEquals(0.0, c.attnLogitSoftcap());
    assertTrue(c.qkNorm());
  }

  @Test
  void unsupportedArchitectureNamesFileAndField() {
    String msg = error(GEMMA2_2B.replace("Gemma2ForCausalLM", "LlamaForCausalLM"));
    assertTrue(msg.contains(FILE.toString()) && msg.contains("'architectures'"), msg);
    assertTrue(msg.contains("LlamaForCausalLM"), msg);
    msg = error("{\"model_type\": \"llama\", \"hidden_size\": 8}");
    assertTrue(msg.contains("'model_type'") && msg.contains("llama"), msg);
    msg = error("{\"model_type\": \"gemma3\", \"text_config\": {}}");
    assertTrue(msg.contains("multimodal"), msg);
  }

  @Test
  void nonDefaultRopeScalingIsRejected() {
    String msg =
        error(
            GEMMA3_270M_V4.replace(
                "\"rope_scaling\": null",
                "\"rope_scaling\": {\"rope_type\": \"linear\", \"factor\": 8.0}"));
    assertTrue(msg.contains("'rope_scaling'") && msg.contains("linear"), msg);
  }

  @Test
  void missingOrMistypedFieldsAreNamed() {
    assertTrue(
        error(GEMMA2_2B.replace("\"hidden_size\": 2304,", ""))
            .contains("'hidden_size' is missing"));
    String msg = error(GEMMA2_2B.replace("\"head_dim\": 256", "\"head_dim\": \"big\""));
    assertTrue(msg.contains("'head_dim'") && msg.contains("integer"), msg);
    msg = error(GEMMA2_2B.replace("\"num_key_value_heads\": 4", "\"num_key_value_heads\": 3"));
    assertTrue(msg.contains("num_key_value_heads"), msg);
    msg =
        error(
            GEMMA2_2B.replace(
                "\"hidden_activation\": \"gelu_pytorch_tanh\"", "\"hidden_activation\": \"silu\""));
    assertTrue(msg.contains("'hidden_activation'") && msg.contains("silu"), msg);
  }

  /** Sizes of -1, 0 or 1e9 fail naming the field, before any list is sized by them. */
  @Test
  void absurdSizesAreRefusedNamingTheField() throws Exception {
    String[][] cases = {
      {"\"num_hidden_layers\": 26", "\"num_hidden_layers\": -1", "'num_hidden_layers' is -1"},
      {"\"num_hidden_layers\": 26", "\"num_hidden_layers\": 0", "'num_hidden_layers' is 0"},
      {"\"num_attention_heads\": 8", "\"num_attention_heads\": 0", "'num_attention_heads' is 0"},
      {"\"head_dim\": 256", "\"head_dim\": -256", "'head_dim' is -256"},
      {"\"sliding_window\": 4096", "\"sliding_window\": 0", "'sliding_window' is 0"},
    };
    for (String[] c : cases) {
      String msg = error(GEMMA2_2B.replace(c[0], c[1]));
      assertTrue(msg.contains(c[2]) && msg.contains("positive"), msg);
    }
    String pattern =
        error(
            GEMMA3_270M_V4
                .replaceAll("\"layer_types\": \\[[^\\]]*\\],", "")
                .replace("\"_sliding_window_pattern\": 6", "\"_sliding_window_pattern\": 0"));
    assertTrue(pattern.contains("'_sliding_window_pattern' is 0"), pattern);

    JsonNode deep =
        TinyModels.JSON.readTree(
            GEMMA2_2B.replace("\"num_hidden_layers\": 26", "\"num_hidden_layers\": 1000000000"));
    long t0 = System.nanoTime();
    String msg =
        assertThrows(WeightsException.class, () -> HfConfigJson.parse(FILE, deep, 26)).getMessage();
    assertTrue(
        msg.contains("num_hidden_layers 1000000000 does not match the weights")
            && msg.contains("26 layers"),
        msg);
    assertTrue(System.nanoTime() - t0 < 1_000_000_000L, "no list of 1e9 layers is built");
    assertEquals(26, HfConfigJson.parse(FILE, TinyModels.JSON.readTree(GEMMA2_2B), 26).nLayers());
  }

  @Test
  void layerTypesOfTheWrongLengthOrKind() {
    String msg =
        error(GEMMA3_270M_V4.replace("\"num_hidden_layers\": 18", "\"num_hidden_layers\": 17"));
    assertTrue(msg.contains("'layer_types' has 18 entries"), msg);
    msg = error(GEMMA3_270M_V4.replaceFirst("\"full_attention\"", "\"chunked_attention\""));
    assertTrue(msg.contains("layer_types[5]") && msg.contains("chunked_attention"), msg);
  }
}
