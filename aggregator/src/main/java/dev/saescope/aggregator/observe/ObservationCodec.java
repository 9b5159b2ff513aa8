package dev.saescope.aggregator.observe;

import dev.saescope.schemas.PromptTokens;
import dev.saescope.schemas.ScoreRole;
import dev.saescope.schemas.TargetScore;
import dev.saescope.schemas.TaskLabels;
import dev.saescope.schemas.Variant;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The byte form of a {@link TaskObservation} for state stores: a version byte, then every field in
 * declaration order, big-endian ({@link DataOutputStream}); strings as a length (-1 = null) and
 * UTF-8; arrays as a length and their elements; doubles as their 8 bytes, so figures come back bit
 * for bit; enums by wire name, so reordering an enum does not change the meaning of old bytes. A
 * reader refuses versions it does not know rather than guess.
 */
final class ObservationCodec {
  /**
   * Version 2 adds the attribution's rank to scores and the two E3b ranks to peaks, version 3 the
   * dtype after the model id; versions 1 and 2 are still read (ranks -1, dtype fp32, the only one
   * their workers had). Bump it, and keep a reader for the old ones, on any change.
   */
  static final byte VERSION = 3;

  private ObservationCodec() {}

  static byte[] encode(TaskObservation o) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(4096);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(VERSION);
      Writer w = new Writer(out);
      w.str(o.runId());
      w.str(o.taskId());
      w.str(o.itemId());
      out.writeLong(o.itemKey());
      w.str(o.modelId());
      w.str(o.dtype());
      w.labels(o.labels());
      w.tokens(o.tokens());
      out.writeInt(o.gold0());
      out.writeInt(o.goldPosition());
      out.writeInt(o.finalLayer());
      out.writeInt(o.finalTop1());
      out.writeInt(o.layers().size());
      for (LayerObservation l : o.layers()) {
        w.layer(l);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("writing to memory cannot fail", e);
    }
    return bytes.toByteArray();
  }

  static TaskObservation decode(byte[] bytes) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      int version = in.readByte();
      if (version < 1 || version > VERSION) {
        throw new IllegalArgumentException(
            "observation bytes: version "
                + version
                + " is unknown; this reader reads 1 to "
                + VERSION);
      }
      Reader r = new Reader(in, bytes.length, version);
      String runId = r.str();
      String taskId = r.str();
      String itemId = r.str();
      long itemKey = in.readLong();
      String modelId = r.str();
      String dtype = version >= 3 ? r.str() : "fp32";
      TaskLabels labels = r.labels();
      PromptTokens tokens = r.tokens();
      int gold0 = in.readInt();
      int goldPosition = in.readInt();
      int finalLayer = in.readInt();
      int finalTop1 = in.readInt();
      int n = r.length();
      List<LayerObservation> layers = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        layers.add(r.layer());
      }
      if (in.available() > 0) {
        throw new IllegalArgumentException(
            "observation bytes of task " + taskId + ": " + in.available() + " bytes left over");
      }
      return new TaskObservation(
          runId,
          taskId,
          itemId,
          itemKey,
          labels,
          modelId,
          dtype,
          tokens,
          gold0,
          goldPosition,
          finalLayer,
          finalTop1,
          layers);
    } catch (EOFException e) {
      throw new IllegalArgumentException(
          "observation bytes end early (" + bytes.length + " bytes): truncated?", e);
    } catch (IOException e) {
      throw new UncheckedIOException("reading from memory cannot fail", e);
    }
  }

  private record Writer(DataOutputStream out) {
    void str(String s) throws IOException {
      if (s == null) {
        out.writeInt(-1);
        return;
      }
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      out.writeInt(b.length);
      out.write(b);
    }

    void ints(int[] a) throws IOException {
      out.writeInt(a.length);
      for (int v : a) {
        out.writeInt(v);
      }
    }

    void floats(float[] a) throws IOException {
      out.writeInt(a.length);
      for (float v : a) {
        out.writeFloat(v);
      }
    }

    void labels(TaskLabels l) throws IOException {
      str(l.relation());
      str(l.variant().wireName());
      str(l.family());
      out.writeBoolean(l.answerMentionsSubject());
      str(l.templateId());
      out.writeInt(l.goldObjects().size());
      for (String g : l.goldObjects()) {
        str(g);
      }
      out.writeBoolean(l.objectInSubject());
    }

    void tokens(PromptTokens t) throws IOException {
      ints(t.ids());
      for (String s : t.texts()) {
        str(s);
      }
      out.writeInt(t.qEnd());
      out.writeInt(t.ansStart());
      out.writeInt(t.ansEnd());
    }

    void layer(LayerObservation l) throws IOException {
      out.writeInt(l.layer());
      str(l.site());
      str(l.saeId());
      Drift d = l.drift();
      out.writeDouble(d.nextQEnd());
      out.writeDouble(d.finalQEnd());
      out.writeDouble(d.nextAnswer());
      out.writeDouble(d.finalAnswer());
      out.writeDouble(l.distanceH());
      out.writeDouble(l.distanceZ());
      out.writeInt(l.lensTop1());
      out.writeDouble(l.klBits());
      out.writeInt(l.scores().size());
      for (TargetScore s : l.scores()) {
        out.writeInt(s.position());
        out.writeInt(s.tokenId());
        str(s.role().wireName());
        out.writeFloat(s.lensLogprob());
        out.writeInt(s.lensRank());
        out.writeFloat(s.attribution());
        out.writeInt(s.attributionRank());
      }
      peak(l.qEndPeak());
      peak(l.goldPeak());
      floats(l.reconError());
      out.writeInt(l.map().size());
      for (TokenLatents t : l.map()) {
        out.writeInt(t.position());
        ints(t.latents());
        floats(t.values());
      }
      KeptVectors v = l.vectors();
      out.writeBoolean(!v.isNone());
      if (!v.isNone()) {
        half(v.qEndH());
        half(v.answerH());
        half(v.ans0H());
        sparse(v.qEndZ());
        sparse(v.answerZ());
        ints(v.ans0Active());
      }
    }

    void peak(Peak p) throws IOException {
      out.writeInt(p.position());
      out.writeInt(p.latent());
      out.writeDouble(p.activation());
      out.writeInt(p.attributionLatent());
      out.writeDouble(p.attribution());
      out.writeInt(p.latentRank());
      out.writeInt(p.attributionRank());
    }

    void half(HalfRow h) throws IOException {
      out.writeFloat(h.scale());
      out.writeInt(h.halves().length);
      for (short s : h.halves()) {
        out.writeShort(s);
      }
    }

    void sparse(SparseRow s) throws IOException {
      ints(s.indices());
      half(s.values());
    }
  }

  private record Reader(DataInputStream in, int size, int version) {
    /** A length, refused when negative or longer than the bytes could hold. */
    int length() throws IOException {
      int n = in.readInt();
      if (n < 0 || n > size) {
        throw new IllegalArgumentException(
            "observation bytes: length " + n + " in a message of " + size + " bytes");
      }
      return n;
    }

    String str() throws IOException {
      int n = in.readInt();
      if (n == -1) {
        return null;
      }
      if (n < 0 || n > size) {
        throw new IllegalArgumentException("observation bytes: string length " + n);
      }
      return new String(in.readNBytes(n), StandardCharsets.UTF_8);
    }

    int[] ints() throws IOException {
      int[] a = new int[length()];
      for (int i = 0; i < a.length; i++) {
        a[i] = in.readInt();
      }
      return a;
    }

    float[] floats() throws IOException {
      float[] a = new float[length()];
      for (int i = 0; i < a.length; i++) {
        a[i] = in.readFloat();
      }
      return a;
    }

    TaskLabels labels() throws IOException {
      String relation = str();
      Variant variant = Variant.fromWireName(str());
      String family = str();
      boolean mentions = in.readBoolean();
      String templateId = str();
      int n = length();
      List<String> gold = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        gold.add(str());
      }
      return new TaskLabels(
          relation, variant, family, mentions, templateId, gold, in.readBoolean());
    }

    PromptTokens tokens() throws IOException {
      int[] ids = ints();
      List<String> texts = new ArrayList<>(ids.length);
      for (int i = 0; i < ids.length; i++) {
        texts.add(str());
      }
      return new PromptTokens(ids, texts, in.readInt(), in.readInt(), in.readInt());
    }

    LayerObservation layer() throws IOException {
      int layer = in.readInt();
      String site = str();
      String saeId = str();
      Drift drift = new Drift(in.readDouble(), in.readDouble(), in.readDouble(), in.readDouble());
      double distanceH = in.readDouble();
      double distanceZ = in.readDouble();
      int top1 = in.readInt();
      double kl = in.readDouble();
      int n = length();
      List<TargetScore> scores = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        int position = in.readInt();
        int tokenId = in.readInt();
        ScoreRole role = ScoreRole.fromWireName(str());
        float logprob = in.readFloat();
        int rank = in.readInt();
        float attribution = in.readFloat();
        int attributionRank = version >= 2 ? in.readInt() : -1;
        scores.add(
            new TargetScore(position, tokenId, role, logprob, rank, attribution, attributionRank));
      }
      Peak qEnd = peak();
      Peak gold = peak();
      float[] recon = floats();
      int m = length();
      List<TokenLatents> map = new ArrayList<>(m);
      for (int i = 0; i < m; i++) {
        map.add(new TokenLatents(in.readInt(), ints(), floats()));
      }
      KeptVectors v =
          in.readBoolean()
              ? new KeptVectors(half(), half(), half(), sparse(), sparse(), ints())
              : KeptVectors.NONE;
      return new LayerObservation(
          layer, site, saeId, drift, distanceH, distanceZ, top1, kl, scores, qEnd, gold, recon, map,
          v);
    }

    Peak peak() throws IOException {
      int position = in.readInt();
      int latent = in.readInt();
      double activation = in.readDouble();
      int attributionLatent = in.readInt();
      double attribution = in.readDouble();
      int latentRank = version >= 2 ? in.readInt() : -1;
      int attributionRank = version >= 2 ? in.readInt() : -1;
      return new Peak(
          position,
          latent,
          activation,
          attributionLatent,
          attribution,
          latentRank,
          attributionRank);
    }

    HalfRow half() throws IOException {
      float scale = in.readFloat();
      short[] h = new short[length()];
      for (int i = 0; i < h.length; i++) {
        h[i] = in.readShort();
      }
      return new HalfRow(scale, h);
    }

    SparseRow sparse() throws IOException {
      return new SparseRow(ints(), half());
    }
  }
}
