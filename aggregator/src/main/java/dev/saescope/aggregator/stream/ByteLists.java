package dev.saescope.aggregator.stream;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A list of byte arrays as one value of a state store: {@code [count][len, bytes]...}, big-endian
 * ints. Used for the parts of a split result and for a task's buffered results.
 */
final class ByteLists {
  private ByteLists() {}

  static byte[] append(byte[] list, byte[] item) {
    List<byte[]> items = list == null ? new ArrayList<>() : read(list);
    items.add(item);
    return write(items);
  }

  static byte[] write(List<byte[]> items) {
    int size = 4;
    for (byte[] b : items) {
      size += 4 + b.length;
    }
    ByteBuffer out = ByteBuffer.allocate(size);
    out.putInt(items.size());
    for (byte[] b : items) {
      out.putInt(b.length).put(b);
    }
    return out.array();
  }

  static List<byte[]> read(byte[] list) {
    ByteBuffer in = ByteBuffer.wrap(list);
    int n = in.getInt();
    if (n < 0 || n > in.remaining() / 4) {
      throw new IllegalArgumentException(
          "corrupt byte list: " + n + " items in " + list.length + " bytes");
    }
    List<byte[]> items = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int len = in.getInt();
      if (len < 0 || len > in.remaining()) {
        throw new IllegalArgumentException(
            "corrupt byte list: item " + i + " of " + len + " bytes");
      }
      byte[] b = new byte[len];
      in.get(b);
      items.add(b);
    }
    return items;
  }
}
