"""Write synthetic survey responses for the benchmarks into bench/data/ (git-ignored).

    python bench/make_data.py            # 1,000,000 and 10,000 rows

Five 5Q construct scores (means of three 7-point items, so values like 5.3333), a 0-10
recommendation driven by them plus noise, and a case weight.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

DATA = Path(__file__).resolve().parent / "data"
DRIVERS = ["q1_object", "q2_processes", "q3_infrastructure", "q4_interaction", "q5_atmosphere"]
OUTCOME = "recommend"


def responses(n, seed=2024):
    rng = np.random.default_rng(seed)
    # correlated latent quality perceptions, as in real 5Q data
    latent = rng.normal(size=(n, 1)) * 0.8 + rng.normal(size=(n, 5)) * 0.6
    items = np.clip(np.rint(4.8 + 1.2 * latent[:, :, None] + rng.normal(scale=0.8, size=(n, 5, 3))), 1, 7)
    scores = items.mean(axis=2).round(4)
    effect = np.array([0.45, 0.30, 0.10, 0.35, 0.20])
    recommend = np.clip(np.rint(1.0 + scores @ effect + rng.normal(scale=1.3, size=n)), 0, 10)
    frame = pd.DataFrame(scores, columns=DRIVERS)
    frame[OUTCOME] = recommend.astype(int)
    frame["weight"] = rng.uniform(0.5, 2.0, size=n).round(3)
    return frame


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="*", default=[1_000_000, 10_000])
    args = parser.parse_args()
    DATA.mkdir(exist_ok=True)
    for n in args.rows:
        path = DATA / f"responses_{n}.csv"
        responses(n).to_csv(path, index=False)
        print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
