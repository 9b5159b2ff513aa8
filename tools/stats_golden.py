#!/usr/bin/env python3
"""Golden file for saescope's statistics (aggregator/.../stats), from SciPy and scikit-learn.

  python3 -m venv /tmp/statsvenv
  /tmp/statsvenv/bin/pip install -r tools/requirements-stats.txt
  /tmp/statsvenv/bin/python tools/stats_golden.py [OUT]

OUT defaults to aggregator/src/test/resources/golden/stats.json. The inputs are small and seeded,
so a rerun with the pinned versions writes the same file. Not run by CI: the committed JSON is
what the Java tests (aggregator stats *GoldenTest) read.

What each section holds:
  itemKeys   id -> first 8 bytes of SHA-256(id, UTF-8), big-endian signed (ItemKey.of)
  auroc      sklearn.metrics.roc_auc_score and scipy.stats.mannwhitneyu U1 (U of the positives)
  signFlip   scipy.stats.permutation_test, permutation_type='samples' on one sample (independent
             sign flips), statistic |mean|, alternative 'greater', n_resamples=inf: the exact p
             over all 2^n flips (n <= 12). The Java test uses |t|, which orders sign flips of one
             complete sample the same way as |mean|.
  bootstrap  scipy.stats.bootstrap, method='percentile', 95%, of the mean (n = 300) and of the
             AUROC (150 + 150, classes resampled separately), with the bootstrap standard error
             the Java test derives its Monte-Carlo tolerance from.
  cohensDz   mean(d) / std(d, ddof=1)
"""
import hashlib
import json
import pathlib
import sys

import numpy as np
import scipy
import sklearn
from scipy import stats
from sklearn.metrics import roc_auc_score

SEED = 20240610
# The reference's own Monte-Carlo error enters the Java test's tolerance as 1 / B: five times the
# Java side's 20000 replicates keeps it small. Drawn in batches to bound memory.
BOOTSTRAP_RESAMPLES = 100_000
BOOTSTRAP_BATCH = 10_000


def item_keys():
    ids = ["abc", "", "P36/Paris", "Zürich", "item-0", "item-1"]
    out = []
    for item_id in ids:
        key = int.from_bytes(hashlib.sha256(item_id.encode("utf-8")).digest()[:8], "big", signed=True)
        out.append({"id": item_id, "key": key})
    return out


def auroc_case(name, positives, negatives):
    positives = [float(v) for v in positives]
    negatives = [float(v) for v in negatives]
    labels = [1] * len(positives) + [0] * len(negatives)
    return {
        "name": name,
        "positives": positives,
        "negatives": negatives,
        "rocAucScore": float(roc_auc_score(labels, positives + negatives)),
        "mannWhitneyU1": float(stats.mannwhitneyu(positives, negatives).statistic),
    }


def auroc_cases(rng):
    return [
        auroc_case("ties across classes", [0.2, 0.5, 0.5, 0.9, 0.3], [0.1, 0.5, 0.3, 0.3, 0.05, 0.6]),
        auroc_case("all tied", [1, 1, 1], [1, 1]),
        auroc_case("perfectly separated, positives high", [5, 6, 7], [1, 2, 3]),
        auroc_case("perfectly separated, positives low", [1, 2], [3]),
        auroc_case("one each, tied", [4], [4]),
        auroc_case(
            "rounded normals, many ties",
            np.round(rng.normal(0.3, 1, 40), 1),
            np.round(rng.normal(0.0, 1, 35), 1),
        ),
    ]


def abs_mean(x, axis):
    return np.abs(np.mean(x, axis=axis))


def sign_flip_case(name, differences):
    differences = [float(v) for v in differences]
    assert len(differences) <= 12, "exact enumeration is meant for small n"
    res = stats.permutation_test(
        (np.asarray(differences),),
        abs_mean,
        permutation_type="samples",
        alternative="greater",
        n_resamples=np.inf,
        vectorized=True,
    )
    return {"name": name, "differences": differences, "exactP": float(res.pvalue)}


def sign_flip_cases(rng):
    return [
        sign_flip_case("continuous, small effect", rng.normal(0.4, 1, 12)),
        sign_flip_case("continuous, no effect", rng.normal(0.0, 1, 11)),
        sign_flip_case("integers with ties and a zero", [3, -1, 2, 2, -2, 1, 4, 0, 1, 3]),
        sign_flip_case("decimals that tie only up to rounding", [0.1, 0.2, 0.3, -0.1, 0.4, 0.2, -0.3, 0.5]),
        sign_flip_case("all positive", rng.uniform(0.5, 2.0, 12)),
    ]


def auroc_statistic(x, y, axis):
    return stats.mannwhitneyu(x, y, axis=axis).statistic / (x.shape[axis] * y.shape[axis])


def bootstrap_cases(rng):
    values = rng.gamma(2.0, 1.0, 300)  # skewed, so the percentile interval is not symmetric
    mean = stats.bootstrap(
        (values,), np.mean, confidence_level=0.95, method="percentile",
        n_resamples=BOOTSTRAP_RESAMPLES, batch=BOOTSTRAP_BATCH, rng=np.random.default_rng(SEED + 1),
    )
    positives = rng.normal(0.5, 1, 150)
    negatives = rng.normal(0.0, 1, 150)
    auroc = stats.bootstrap(
        (positives, negatives), auroc_statistic, confidence_level=0.95, method="percentile",
        n_resamples=BOOTSTRAP_RESAMPLES, batch=BOOTSTRAP_BATCH, rng=np.random.default_rng(SEED + 2),
    )
    return {
        "mean": {
            "values": values.tolist(),
            "resamples": BOOTSTRAP_RESAMPLES,
            "mean": float(np.mean(values)),
            "low": float(mean.confidence_interval.low),
            "high": float(mean.confidence_interval.high),
            "standardError": float(mean.standard_error),
        },
        "auroc": {
            "positives": positives.tolist(),
            "negatives": negatives.tolist(),
            "resamples": BOOTSTRAP_RESAMPLES,
            "auroc": float(auroc_statistic(positives, negatives, 0)),
            "low": float(auroc.confidence_interval.low),
            "high": float(auroc.confidence_interval.high),
            "standardError": float(auroc.standard_error),
        },
    }


def cohens_dz_cases(rng):
    cases = {
        "small by hand": [1.0, 2.0, 3.0, 4.0, 10.0],
        "normal, n = 50": rng.normal(0.3, 1.5, 50).tolist(),
        "negative mean": (-rng.gamma(2.0, 1.0, 20)).tolist(),
    }
    return [
        {"name": name, "differences": d, "dz": float(np.mean(d) / np.std(d, ddof=1))}
        for name, d in cases.items()
    ]


def main():
    out = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "aggregator/src/test/resources/golden/stats.json")
    rng = np.random.default_rng(SEED)
    golden = {
        "generator": "tools/stats_golden.py",
        "versions": {"numpy": np.__version__, "scipy": scipy.__version__, "scikit-learn": sklearn.__version__},
        "itemKeys": item_keys(),
        "auroc": auroc_cases(rng),
        "signFlip": sign_flip_cases(rng),
        "bootstrap": bootstrap_cases(rng),
        "cohensDz": cohens_dz_cases(rng),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(golden, indent=1) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
