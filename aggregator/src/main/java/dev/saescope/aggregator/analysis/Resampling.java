package dev.saescope.aggregator.analysis;

import dev.saescope.aggregator.stats.Bootstrap;
import dev.saescope.aggregator.stats.Estimate;
import dev.saescope.aggregator.stats.KeyedSample;
import dev.saescope.aggregator.stats.LayerSignificance;
import dev.saescope.aggregator.stats.Paired;
import dev.saescope.aggregator.stats.SignFlip;
import dev.saescope.aggregator.stats.WeightedStatistic;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

/** The {@code stats} package's bootstrap and sign-flip test under one run's seed and resamples. */
public final class Resampling {
  /** An estimate of nothing: NaN everywhere, n = 0. */
  public static final Estimate NONE =
      new Estimate(Double.NaN, Double.NaN, Double.NaN, 0, Double.NaN);

  /**
   * The median of the sample in which value i occurs {@code weights[i]} times, as {@code
   * numpy.median} of that expanded sample: the middle value, or the mean of the two middle ones.
   */
  public static final WeightedStatistic MEDIAN =
      (values, weights) -> {
        Integer[] order = new Integer[values.length];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, (a, b) -> Double.compare(values[a], values[b]));
        double total = 0;
        for (double w : weights) {
          total += w;
        }
        // 1-based ranks of the middle: (total + 1) / 2 rounded down and up
        double lowRank = Math.floor((total + 1) / 2);
        double highRank = Math.ceil((total + 1) / 2);
        double low = Double.NaN;
        double seen = 0;
        for (int i : order) {
          seen += weights[i];
          if (Double.isNaN(low) && seen >= lowRank) {
            low = values[i];
          }
          if (seen >= highRank) {
            return (low + values[i]) / 2;
          }
        }
        return Double.NaN;
      };

  private final Bootstrap bootstrap;
  private final SignFlip signFlip;

  public Resampling(AnalysisOptions options) {
    this.bootstrap = new Bootstrap(options.seed(), options.resamples());
    this.signFlip = new SignFlip(options.seed(), options.resamples());
  }

  public Estimate mean(KeyedSample sample) {
    return bootstrap.mean(sample);
  }

  public Estimate median(KeyedSample sample) {
    return bootstrap.of(sample, MEDIAN);
  }

  /** Any statistic with its interval; p is NaN. */
  public Estimate of(KeyedSample sample, WeightedStatistic statistic) {
    return bootstrap.of(sample, statistic);
  }

  /** AUROC of positives over negatives with its interval. */
  public Estimate auroc(KeyedSample positives, KeyedSample negatives) {
    return bootstrap.auroc(positives, negatives);
  }

  /** Cohen's d_z of paired differences with its interval; NaN with fewer than 2 items. */
  public Estimate cohensDz(KeyedSample differences) {
    if (differences.size() < 2) {
      return new Estimate(Double.NaN, Double.NaN, Double.NaN, differences.size(), Double.NaN);
    }
    return bootstrap.of(differences, Paired.COHENS_DZ);
  }

  /** The mean of paired differences with its interval and sign-flip p (one test). */
  public Estimate meanDifference(KeyedSample differences) {
    return bootstrap.mean(differences).withP(signFlip.pValue(differences));
  }

  /**
   * The sign-flip test of each layer's paired differences with the Westfall-Young maxT correction
   * over the layers given; items missing at a layer are NaN there.
   */
  public List<LayerSignificance> maxT(List<KeyedSample> differencesPerLayer) {
    TreeSet<Long> union = new TreeSet<>();
    for (KeyedSample s : differencesPerLayer) {
      for (int i = 0; i < s.size(); i++) {
        union.add(s.key(i));
      }
    }
    long[] keys = union.stream().mapToLong(Long::longValue).toArray();
    double[][] d = new double[differencesPerLayer.size()][keys.length];
    for (int l = 0; l < d.length; l++) {
      Arrays.fill(d[l], Double.NaN);
      KeyedSample s = differencesPerLayer.get(l);
      for (int i = 0; i < s.size(); i++) {
        d[l][Arrays.binarySearch(keys, s.key(i))] = s.value(i);
      }
    }
    return d.length == 0 ? new ArrayList<>() : signFlip.maxT(keys, d);
  }
}
