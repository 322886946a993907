"""Pools dashboard-vs-headless pairs (one or more pairs.txt files written by bench/dashboard-vs-headless.sh, a line
per pair: headless tokens/s, dashboard tokens/s, headless wall steps/s, dashboard wall steps/s) and says what they
show: the median and mean of the paired differences with a bootstrap 95 % interval for the mean, beside the spread
of headless runs among themselves. A difference is only a finding when the interval excludes zero; the target
(< 2 %) is shown when the whole interval lies inside +/- 2 %, over at least 5 pairs (fewer say little about the spread).

usage: python3 bench/dashboard_pairs.py pairs.txt [more pairs.txt ...]
"""
import random, statistics, sys

rows, skipped = [], 0
for path in sys.argv[1:]:
    for number, line in enumerate(open(path), 1):
        fields = line.split()
        if not fields:
            continue
        if "nan" in fields:  # a pair whose runs failed or did not show what they are
            skipped += 1
            continue
        if len(fields) != 4:
            raise SystemExit(f"{path}:{number}: expected 4 numbers, got {len(fields)}")
        rows.append(tuple(map(float, fields)))
if skipped:
    print(f"{skipped} pair(s) left out: a run failed, or its screen did not show the dashboard / the progress lines")
if not rows:
    raise SystemExit("no pairs")

rng = random.Random(7)
for name, hi, di in (("tokens/s (median step)", 0, 1), ("steps/s (wall)", 2, 3)):
    h = [r[hi] for r in rows]; d = [r[di] for r in rows]
    diffs = [100 * (b - a) / a for a, b in zip(h, d)]
    means = sorted(statistics.fmean(rng.choices(diffs, k=len(diffs))) for _ in range(10_000))
    low, high = means[250], means[9_749]
    spread = 100 * (max(h) - min(h)) / statistics.median(h)
    verdict = ("not decided: fewer than 5 pairs" if len(rows) < 5 else "within 2 %" if -2 < low and high < 2 else
               "a cost larger than 2 %" if high < -2 else "not decided: more pairs needed")
    print(f"{name}: {len(rows)} pairs, paired difference median {statistics.median(diffs):+.1f} %, "
          f"mean {statistics.fmean(diffs):+.1f} % (95 % bootstrap interval {low:+.1f} .. {high:+.1f} %); "
          f"headless runs spread {spread:.1f} % -> {verdict}")
