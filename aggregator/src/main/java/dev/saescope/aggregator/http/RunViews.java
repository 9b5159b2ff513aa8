package dev.saescope.aggregator.http;

import dev.saescope.aggregator.cards.Histogram;
import dev.saescope.aggregator.cards.LatentCard;
import dev.saescope.aggregator.cards.LatentContext;
import dev.saescope.aggregator.observe.LayerObservation;
import dev.saescope.aggregator.observe.TaskObservation;
import dev.saescope.aggregator.observe.TokenLatents;
import dev.saescope.aggregator.service.RunQueries;
import dev.saescope.aggregator.service.RunReports;
import dev.saescope.schemas.LatentEffects;
import dev.saescope.schemas.LatentInfo;
import dev.saescope.schemas.RunAnnouncement;
import dev.saescope.schemas.ScoredTokens;
import dev.saescope.schemas.serde.Codecs;
import dev.saescope.schemas.serde.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The dashboard's views of one run, as JSON: per-layer E1 and E2a rows, the latent browser (search
 * and sort), one latent's card and one item's data maps. Every number that is not finite is null;
 * token strings are passed through as data (the dashboard renders them as text only).
 */
public final class RunViews {
  /** Latents listed per request at most. */
  static final int MAX_LIMIT = 500;

  /** How latents are ordered in the browser. */
  enum Sort {
    FREQUENCY,
    MAX,
    INDEX;

    static Sort parse(String s) {
      if (s == null || s.isEmpty()) {
        return FREQUENCY;
      }
      for (Sort x : values()) {
        if (x.name().toLowerCase(Locale.ROOT).equals(s)) {
          return x;
        }
      }
      throw ApiException.badRequest("sort must be one of frequency, max, index; got '" + s + "'");
    }
  }

  private final RunQueries queries;
  private final RunReports reports;
  private final Function<byte[], RunAnnouncement> announcementCodec;

  public RunViews(
      RunQueries queries, RunReports reports, Function<byte[], RunAnnouncement> announcementCodec) {
    this.queries = queries;
    this.reports = reports;
    this.announcementCodec = announcementCodec;
  }

  /** {@code GET /api/runs/{id}/layers}: E1 (drift, lens) and E2a rows per layer, with CIs. */
  public JsonObject layers(String run) {
    JsonObject report = reports.report(run, requireRun(run));
    TreeMap<Integer, JsonObject> byLayer = new TreeMap<>();
    JsonObject e1 = report.getJsonObject("e1");
    for (String table : new String[] {"drift", "lens"}) {
      for (Object o : e1.getJsonArray(table, new JsonArray())) {
        JsonObject row = (JsonObject) o;
        layer(byLayer, row.getInteger("layer")).put(table, row);
      }
    }
    for (Object o : report.getJsonObject("e2a").getJsonArray("rows", new JsonArray())) {
      JsonObject row = (JsonObject) o;
      layer(byLayer, row.getInteger("layer")).getJsonArray("e2a").add(row);
    }
    return new JsonObject()
        .put("run_id", run)
        .put("items", report.getValue("items"))
        .put("tasks", report.getValue("tasks"))
        .put("verdicts", report.getJsonObject("e2a").getJsonArray("verdicts"))
        .put("layers", new JsonArray(new ArrayList<>(byLayer.values())));
  }

  private static JsonObject layer(Map<Integer, JsonObject> byLayer, int layer) {
    return byLayer.computeIfAbsent(
        layer, l -> new JsonObject().put("layer", l).put("e2a", new JsonArray()));
  }

  /**
   * {@code GET /api/runs/{id}/latents}: the latents of the SAE at {@code layer} that fired, sorted,
   * optionally only those whose most promoted tokens contain {@code q}.
   */
  public JsonObject latents(String run, int layer, Sort sort, String q, int limit) {
    requireRun(run);
    Sae sae = sae(run, layer);
    Map<Integer, LatentEffects> effects = effects(sae.id());
    String needle = q == null || q.isEmpty() ? null : q.toLowerCase(Locale.ROOT);
    List<LatentCard> cards = new ArrayList<>();
    for (LatentCard c : queries.cards(run, sae.id())) {
      if (needle == null || promotes(effects.get(c.latent()), needle)) {
        cards.add(c);
      }
    }
    Comparator<LatentCard> order =
        switch (sort) {
          case FREQUENCY -> Comparator.comparingLong((LatentCard c) -> -c.fires());
          case MAX -> Comparator.comparingDouble((LatentCard c) -> -c.max());
          case INDEX -> Comparator.comparingInt(LatentCard::latent);
        };
    cards.sort(order.thenComparingInt(LatentCard::latent));
    JsonArray out = new JsonArray();
    for (LatentCard c : cards.subList(0, Math.min(limit, cards.size()))) {
      LatentEffects e = effects.get(c.latent());
      out.add(
          new JsonObject()
              .put("latent", c.latent())
              .put("fires", c.fires())
              .put("frequency", frequency(c, sae))
              .put("max", num(c.max()))
              .put("top_tokens", e == null ? null : new JsonArray(e.top().texts())));
    }
    return sae.json()
        .put("run_id", run)
        .put("sort", sort.name().toLowerCase(Locale.ROOT))
        .put("matched", cards.size())
        .put("latents", out);
  }

  /** {@code GET /api/runs/{id}/latents/{layer}/{index}}: one latent's card. */
  public JsonObject card(String run, int layer, int index) {
    Optional<RunAnnouncement> a = requireRun(run);
    Sae sae = sae(run, layer);
    LatentEffects e = effects(sae.id()).get(index);
    Optional<Integer> dSae = dSae(sae.id());
    if (dSae.isPresent() && index >= dSae.get()) {
      throw ApiException.notFound(
          "latent " + index + " is out of range: SAE " + sae.id() + " has " + dSae.get());
    }
    LatentCard c =
        queries
            .card(run, sae.id(), index)
            .orElseThrow(
                () ->
                    ApiException.notFound(
                        "latent " + index + " of SAE " + sae.id() + " never fired in " + run));
    JsonArray top = new JsonArray();
    Map<String, List<String>> texts = new HashMap<>(); // task id -> its token strings
    for (LatentContext x : c.top()) {
      LatentContext.Window w = window(run, x, texts);
      top.add(
          new JsonObject()
              .put("value", num(x.value()))
              .put("task_id", x.taskId())
              .put("item_id", x.itemId())
              .put("position", x.position())
              .put("at", w.at())
              .put("tokens", new JsonArray(w.tokens())));
    }
    JsonArray histogram = new JsonArray();
    for (int b = 0; b < c.histogram().length; b++) {
      histogram.add(
          new JsonObject().put("lower", Histogram.lowerEdge(b)).put("count", c.histogram()[b]));
    }
    JsonArray e3b = new JsonArray();
    JsonObject report = reports.report(run, a);
    for (Object o : report.getJsonObject("e3").getJsonArray("correspondence", new JsonArray())) {
      if (sae.id().equals(((JsonObject) o).getString("sae_id"))) {
        e3b.add(o);
      }
    }
    return sae.json()
        .put("run_id", run)
        .put("latent", index)
        .put("fires", c.fires())
        .put("frequency", frequency(c, sae))
        .put("max", num(c.max()))
        .put("top", top)
        .put("histogram", histogram)
        .put(
            "logit_effects",
            e == null
                ? null
                : new JsonObject()
                    .put("promoted", tokens(e.top()))
                    .put("suppressed", tokens(e.bottom())))
        .put("e3b", e3b);
  }

  /**
   * A context's tokens, from its task's observation ({@code texts} caches them per task, null when
   * absent). Empty, at -1, when this instance holds no observation of the task (the run's
   * observations live on the instance that owns the run) or the position is not in its text.
   */
  private LatentContext.Window window(
      String run, LatentContext x, Map<String, List<String>> texts) {
    if (!texts.containsKey(x.taskId())) {
      for (byte[] b : queries.itemObservations(run, x.itemId())) {
        TaskObservation o = TaskObservation.fromBytes(b);
        if (o.itemId().equals(x.itemId())) {
          texts.put(o.taskId(), o.tokens().texts());
        }
      }
      texts.putIfAbsent(x.taskId(), null);
    }
    List<String> t = texts.get(x.taskId());
    if (t == null || x.position() < 0 || x.position() >= t.size()) {
      return new LatentContext.Window(List.of(), -1);
    }
    return x.window(t);
  }

  /**
   * {@code GET /api/runs/{id}/items/{item}}: the item's tasks with their tokens, and per layer the
   * top latents per token, the reconstruction error per token and the lens top-1.
   */
  public JsonObject item(String run, String itemId) {
    requireRun(run);
    List<TaskObservation> observed = new ArrayList<>();
    for (byte[] b : queries.itemObservations(run, itemId)) {
      TaskObservation o = TaskObservation.fromBytes(b);
      if (o.itemId().equals(itemId)) { // else another item with the same 64-bit key
        observed.add(o);
      }
    }
    if (observed.isEmpty()) {
      throw ApiException.notFound("no item '" + itemId + "' observed in run " + run + " yet");
    }
    Map<Integer, String> vocabulary = lensVocabulary(observed);
    JsonArray tasks = new JsonArray();
    for (TaskObservation o : observed) {
      tasks.add(task(o, vocabulary));
    }
    return new JsonObject().put("run_id", run).put("item_id", itemId).put("tasks", tasks);
  }

  /**
   * Token texts of the ids the item's lens top-1s name, from what the run's data holds: the item's
   * own prompt tokens first, then the latent-info token lists (the model's vocabulary is not here).
   * An id found nowhere is absent, and the page says the id.
   */
  private Map<Integer, String> lensVocabulary(List<TaskObservation> observed) {
    Map<Integer, String> out = new TreeMap<>();
    java.util.Set<Integer> wanted = new java.util.TreeSet<>();
    for (TaskObservation o : observed) {
      for (LayerObservation l : o.layers()) {
        if (l.lensTop1() >= 0) {
          wanted.add(l.lensTop1());
        }
      }
      int[] ids = o.tokens().ids();
      for (int p = 0; p < ids.length; p++) {
        out.putIfAbsent(ids[p], o.tokens().texts().get(p));
      }
    }
    wanted.removeAll(out.keySet());
    if (wanted.isEmpty()) {
      return out;
    }
    for (byte[] m : queries.latentInfo()) {
      try {
        LatentInfo info =
            Codecs.latentInfo()
                .decode(m, "latent-info", DecodeException.UNKNOWN, DecodeException.UNKNOWN);
        for (LatentEffects e : info.latents()) {
          for (ScoredTokens t : List.of(e.top(), e.bottom())) {
            for (int i = 0; i < t.size(); i++) {
              if (wanted.contains(t.ids()[i])) {
                out.putIfAbsent(t.ids()[i], t.texts().get(i));
              }
            }
          }
        }
      } catch (DecodeException e) {
        // skipped, as in infos()
      }
    }
    return out;
  }

  private static JsonObject task(TaskObservation o, Map<Integer, String> vocabulary) {
    JsonArray layers = new JsonArray();
    for (LayerObservation l : o.layers()) {
      JsonArray recon = new JsonArray();
      for (float v : l.reconError()) {
        recon.add(num(v));
      }
      JsonArray map = new JsonArray();
      for (TokenLatents t : l.map()) {
        JsonArray values = new JsonArray();
        for (float v : t.values()) {
          values.add(num(v));
        }
        JsonArray ids = new JsonArray();
        for (int id : t.latents()) {
          ids.add(id);
        }
        map.add(
            new JsonObject()
                .put("position", t.position())
                .put("latents", ids)
                .put("values", values));
      }
      layers.add(
          new JsonObject()
              .put("layer", l.layer())
              .put("site", l.site())
              .put("sae_id", l.saeId())
              .put("lens_top1", l.lensTop1() < 0 ? null : l.lensTop1())
              .put("lens_top1_text", l.lensTop1() < 0 ? null : vocabulary.get(l.lensTop1()))
              .put("kl_bits", num(l.klBits()))
              .put("recon_error", recon)
              .put("map", map));
    }
    return new JsonObject()
        .put("task_id", o.taskId())
        .put("variant", o.variant().name().toLowerCase(Locale.ROOT))
        .put("family", o.labels().family())
        .put("template_id", o.labels().templateId())
        .put("tokens", new JsonArray(o.tokens().texts()))
        .put("q_end", o.tokens().qEnd())
        .put("ans_start", o.tokens().ansStart())
        .put("ans_end", o.tokens().ansEnd())
        .put("layers", layers);
  }

  /** The SAE of one layer in a run. */
  private record Sae(String id, int layer, long positions) {
    JsonObject json() {
      return new JsonObject().put("sae_id", id).put("layer", layer).put("positions", positions);
    }
  }

  private Sae sae(String run, int layer) {
    for (var e : queries.saes(run).entrySet()) {
      if (e.getValue()[0] == layer) {
        return new Sae(e.getKey(), layer, e.getValue()[1]);
      }
    }
    throw ApiException.notFound("run " + run + " has no SAE at layer " + layer);
  }

  private Optional<RunAnnouncement> requireRun(String run) {
    Optional<RunAnnouncement> a = queries.announcement(run).map(announcementCodec);
    if (a.isEmpty() && queries.tasksDone(run) == 0) {
      throw ApiException.notFound("no run '" + run + "' (see /api/runs)");
    }
    return a;
  }

  private List<LatentInfo> infos(String saeId) {
    List<LatentInfo> out = new ArrayList<>();
    for (byte[] m : queries.latentInfo()) {
      try {
        LatentInfo info =
            Codecs.latentInfo()
                .decode(m, "latent-info", DecodeException.UNKNOWN, DecodeException.UNKNOWN);
        if (info.saeId().equals(saeId)) {
          out.add(info);
        }
      } catch (DecodeException e) {
        // an undecodable latent-info message is skipped here as in the report (LatentInfoEffects)
      }
    }
    return out;
  }

  private Map<Integer, LatentEffects> effects(String saeId) {
    Map<Integer, LatentEffects> out = new TreeMap<>();
    for (LatentInfo info : infos(saeId)) {
      for (LatentEffects e : info.latents()) {
        out.put(e.latent(), e);
      }
    }
    return out;
  }

  private Optional<Integer> dSae(String saeId) {
    return infos(saeId).stream().map(LatentInfo::dSae).findFirst();
  }

  private static boolean promotes(LatentEffects e, String needle) {
    if (e == null) {
      return false;
    }
    for (String t : e.top().texts()) {
      if (t.toLowerCase(Locale.ROOT).contains(needle)) {
        return true;
      }
    }
    return false;
  }

  private static JsonArray tokens(ScoredTokens t) {
    JsonArray out = new JsonArray();
    for (int i = 0; i < t.size(); i++) {
      out.add(
          new JsonObject()
              .put("id", t.ids()[i])
              .put("text", t.texts().get(i))
              .put("value", num(t.values()[i])));
    }
    return out;
  }

  private static Double frequency(LatentCard c, Sae sae) {
    return sae.positions() <= 0 ? null : c.fires() / (double) sae.positions();
  }

  /** A finite number, or null (JSON has no NaN). */
  static Double num(double v) {
    return Double.isFinite(v) ? v : null;
  }
}
