package dev.saescope.aggregator.service;

import dev.saescope.aggregator.analysis.AnalysisOptions;
import dev.saescope.aggregator.cards.LatentBatch;
import dev.saescope.aggregator.cards.LatentCard;
import dev.saescope.aggregator.observe.TaskObservation;
import dev.saescope.aggregator.report.RunAnalysis;
import dev.saescope.aggregator.report.RunReport;
import dev.saescope.aggregator.stream.AggregatorMetrics;
import dev.saescope.aggregator.stream.TaskFinisher;
import dev.saescope.aggregator.stream.TaskParts;
import dev.saescope.schemas.ArchivedMessage;
import dev.saescope.schemas.LayerResult;
import dev.saescope.schemas.RunAnnouncement;
import dev.saescope.schemas.serde.Codecs;
import dev.saescope.schemas.serde.DecodeException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ./saescope analyze}: the streaming aggregator's computation in one process, on the
 * messages of a run archive. The same steps in the same code: parts joined per task ({@link
 * TaskParts}), each task reduced by the same observer and stored as the same bytes, reports
 * computed by {@link RunAnalysis} with the run's seed. A part seen twice counts once, as the
 * stream's finished-task memory makes it.
 */
public final class OfflineAnalysis {
  private static final Logger LOG = LoggerFactory.getLogger(OfflineAnalysis.class);

  private OfflineAnalysis() {}

  /** Reports by run id. */
  public static Map<String, RunReport> analyze(
      List<ArchivedMessage> messages, AggregatorMetrics metrics) {
    Map<String, RunAnnouncement> announced = new TreeMap<>();
    List<byte[]> latentInfo = new ArrayList<>();
    Map<String, Map<String, LayerResult>> parts = new LinkedHashMap<>(); // task -> part key -> part
    long i = 0;
    for (ArchivedMessage m : messages) {
      try {
        switch (m.kind()) {
          case RESULTS -> {
            LayerResult r = Codecs.layerResult().decode(m.value(), "archive", -1, i);
            parts
                .computeIfAbsent(r.runId() + '\u0000' + r.taskId(), k -> new LinkedHashMap<>())
                .putIfAbsent(r.layer() + "/" + r.site() + "/" + r.part(), r);
          }
          case RUNS -> {
            RunAnnouncement a = Codecs.runAnnouncement().decode(m.value(), "archive", -1, i);
            announced.put(a.runId(), a);
          }
          case LATENT_INFO -> latentInfo.add(m.value());
          case TASKS, DEAD_LETTER -> {}
        }
      } catch (DecodeException | IllegalArgumentException e) {
        metrics.skipped(e instanceof DecodeException ? "undecodable" : "inconsistent");
        LOG.warn("skipped archive message {} ({}): {}", i, m.kind(), e.getMessage());
      }
      i++;
    }
    Map<String, Map<String, Map<Integer, LatentCard>>> cards = new TreeMap<>();
    Map<String, List<TaskObservation>> byRun = observe(parts.values(), metrics, cards);
    LatentInfoEffects effects = LatentInfoEffects.of(latentInfo);
    Map<String, RunReport> out = new TreeMap<>();
    for (var e : byRun.entrySet()) {
      long seed = announced.containsKey(e.getKey()) ? announced.get(e.getKey()).seed() : 0L;
      out.put(
          e.getKey(),
          RunAnalysis.compute(
                  RunReports.info(e.getKey(), e.getValue()),
                  e.getValue(),
                  effects,
                  AnalysisOptions.of(seed))
              .withHistograms(ReportHistograms.of(cardsOf(cards.get(e.getKey())))));
    }
    return out;
  }

  /**
   * Each task's parts joined and reduced exactly as the stream stores them, by run id; the latent
   * cards of the tasks observed merged into {@code cards} (run, SAE, latent), as the card stage
   * merges them.
   */
  private static Map<String, List<TaskObservation>> observe(
      Iterable<Map<String, LayerResult>> tasks,
      AggregatorMetrics metrics,
      Map<String, Map<String, Map<Integer, LatentCard>>> cards) {
    TaskFinisher.Observer observer = Observations.observer();
    Map<String, List<TaskObservation>> byRun = new TreeMap<>();
    for (Map<String, LayerResult> task : tasks) {
      List<LayerResult> whole =
          TaskParts.join(
              task.values(),
              (reason, detail) -> {
                metrics.skipped(reason);
                LOG.warn("skipped {} result: {}", reason, detail);
              });
      if (whole.isEmpty()) {
        continue;
      }
      try {
        // Through the stored bytes, exactly as the stream keeps observations.
        TaskObservation o = TaskObservation.fromBytes(observer.observe(whole));
        byRun.computeIfAbsent(o.runId(), k -> new ArrayList<>()).add(o);
        for (LayerResult r : whole) {
          if (r.saeId() != null) {
            Map<Integer, LatentCard> sae =
                cards
                    .computeIfAbsent(r.runId(), k -> new TreeMap<>())
                    .computeIfAbsent(r.saeId(), k -> new TreeMap<>());
            for (LatentCard c : LatentBatch.of(r).cards()) {
              sae.merge(c.latent(), c, LatentCard::merge);
            }
          }
        }
      } catch (IllegalArgumentException e) {
        metrics.skipped("inconsistent");
        LOG.warn("skipped task {}: {}", whole.get(0).taskId(), e.getMessage());
      }
    }
    return byRun;
  }

  private static Map<String, List<LatentCard>> cardsOf(Map<String, Map<Integer, LatentCard>> run) {
    Map<String, List<LatentCard>> out = new TreeMap<>();
    if (run != null) {
      run.forEach((sae, byLatent) -> out.put(sae, List.copyOf(byLatent.values())));
    }
    return out;
  }
}
