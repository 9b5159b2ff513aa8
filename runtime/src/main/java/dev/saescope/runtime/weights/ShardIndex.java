package dev.saescope.runtime.weights;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The safetensors files of a Hugging Face model folder: {@code model.safetensors}, or the shards
 * that {@code model.safetensors.index.json} lists in its {@code weight_map} (as {@code
 * save_pretrained} writes them). Shard names come from the file and must stay inside the folder.
 */
final class ShardIndex {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ShardIndex() {}

  /**
   * Opens the single file or every shard of the index, adding each opened file to {@code opened}
   * (which the caller closes on failure).
   *
   * @return the file holding each stored tensor name
   */
  static Map<String, Safetensors> open(Path folder, List<Safetensors> opened)
      throws WeightsException {
    Path single = folder.resolve("model.safetensors");
    Path index = folder.resolve("model.safetensors.index.json");
    Map<String, Safetensors> byName = new LinkedHashMap<>();
    if (Files.isRegularFile(single)) {
      Safetensors st = Safetensors.open(single);
      opened.add(st);
      st.entries().keySet().forEach(n -> byName.put(n, st));
      return byName;
    }
    if (!Files.isRegularFile(index)) {
      throw new WeightsException(
          folder,
          "no model.safetensors or model.safetensors.index.json (PyTorch .bin checkpoints are not"
              + " supported)");
    }
    JsonNode map;
    try {
      map = JSON.readTree(Files.readAllBytes(index)).path("weight_map");
    } catch (IOException e) {
      throw new WeightsException(index, "cannot read the shard index: " + e.getMessage(), e);
    }
    if (!map.isObject() || map.isEmpty()) {
      throw new WeightsException(index, "field 'weight_map' is missing or empty");
    }
    Map<String, Safetensors> shards = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String shardName = e.getValue().asText();
      Path shardPath = shardPath(folder, index, e.getKey(), e.getValue());
      Safetensors shard = shards.get(shardName);
      if (shard == null) {
        if (!Files.isRegularFile(shardPath)) {
          throw new WeightsException(
              index, e.getKey(), "listed in shard '" + shardName + "', which does not exist");
        }
        shard = Safetensors.open(shardPath);
        opened.add(shard);
        shards.put(shardName, shard);
      }
      if (!shard.entries().containsKey(e.getKey())) {
        throw new WeightsException(
            index,
            e.getKey(),
            "listed in shard '" + shardName + "' but that file does not hold it");
      }
      byName.put(e.getKey(), shard);
    }
    return byName;
  }

  /**
   * The file a {@code weight_map} entry names, which must lie inside the folder: a relative name of
   * plain segments ({@link RelativeName}), and no symlinked folder on the way that leads out. The
   * shard itself may be a symlink, as every file of a Hugging Face cache snapshot is.
   */
  private static Path shardPath(Path folder, Path index, String tensor, JsonNode value)
      throws WeightsException {
    if (!value.isTextual()) {
      throw new WeightsException(
          index, tensor, "weight_map value " + value + " is not a file name");
    }
    Path shard;
    try {
      shard = RelativeName.resolveInside(folder, value.asText(), "shard name");
    } catch (IllegalArgumentException e) {
      throw new WeightsException(index, tensor, e.getMessage());
    }
    Path dir = shard.getParent();
    Path realDir;
    Path realFolder;
    try {
      realDir = Files.isDirectory(dir) ? dir.toRealPath() : null;
      realFolder = folder.toRealPath();
    } catch (IOException e) {
      throw new WeightsException(
          index, "cannot resolve the folder of shard " + shard + ": " + e, e);
    }
    if (realDir != null && !realDir.startsWith(realFolder)) {
      throw new WeightsException(
          index,
          tensor,
          "shard name '"
              + value.asText()
              + "' leads through a link to "
              + realDir
              + ", outside "
              + folder);
    }
    return shard;
  }
}
