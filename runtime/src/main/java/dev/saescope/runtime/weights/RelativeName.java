package dev.saescope.runtime.weights;

import java.nio.file.Path;
import java.util.Optional;

/**
 * File names that come from outside saescope and become paths: the shard names of a {@code
 * model.safetensors.index.json}, file names and ETags a hub answers with. Such a name must be a
 * relative path of plain segments, as huggingface_hub requires before it builds a cache path
 * ({@code file_download.py}, {@code _get_pointer_path}: "Invalid pointer path"), so that no name
 * can reach outside the folder it is resolved against.
 */
public final class RelativeName {
  private RelativeName() {}

  /**
   * Why {@code name} is not a relative path of plain {@code /}-separated segments, if it is not.
   */
  public static Optional<String> problem(String name) {
    if (name.isEmpty()) {
      return Optional.of("is empty");
    }
    if (name.indexOf('\\') >= 0) {
      return Optional.of("contains a backslash");
    }
    if (name.indexOf('\0') >= 0) {
      return Optional.of("contains a NUL character");
    }
    if (name.startsWith("/")) {
      return Optional.of("is an absolute path");
    }
    for (String segment : name.split("/", -1)) {
      if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
        return Optional.of("has a segment '" + segment + "' (only plain names between slashes)");
      }
    }
    return Optional.empty();
  }

  /**
   * {@code folder/name}, after checking that {@code name} has no {@link #problem} and that the
   * result lies strictly inside {@code folder}.
   *
   * @param what what the name is, for the message (e.g. "shard name")
   * @throws IllegalArgumentException quoting the name and saying what is wrong with it
   */
  public static Path resolveInside(Path folder, String name, String what) {
    Optional<String> problem = problem(name);
    if (problem.isPresent()) {
      throw new IllegalArgumentException(
          what
              + " '"
              + name
              + "' "
              + problem.get()
              + "; expected a relative path inside "
              + folder);
    }
    Path base = folder.toAbsolutePath().normalize();
    Path resolved = base.resolve(name).normalize();
    if (!resolved.startsWith(base) || resolved.equals(base)) {
      throw new IllegalArgumentException(what + " '" + name + "' resolves outside " + folder);
    }
    return folder.resolve(name);
  }
}
