"""Evaluations per second of the synthetic functions: numpy batch vs a scalar Python loop.

For each registered synthetic family (scalable ones at d = 10) on 10,000 uniform points:

- ``batch``: ``problem.evaluate_batch(configs)``, the full public path (configs -> array ->
  one numpy call of the formula -> ``Evaluation`` records);
- ``formula``: the vectorised formula alone, ``problem.value_at(X)`` on the ``(n, d)`` array;
- ``scalar``: a pure-Python scalar implementation of the same formula (written below with
  the ``math`` module, independent of the package's code), looped over the rows; its
  results are checked against the vectorised ones to 1e-9 relative;
- ``single``: ``problem.evaluate(config)`` called once per config (what a runner without
  batching would pay), measured on the first 1,000 points.

``formula/scalar`` is the speed-up of vectorising the formula; ``batch/single`` that of
evaluating an ``ask(n)`` in one call. The batch path is bounded by building the configs'
array and one frozen ``Evaluation`` record per point (about 2 us each), not by the formula.

Run: ``python bench/bench_synthetic.py`` (about 10 s on one core).
"""

from __future__ import annotations

import math
import time

import numpy as np

from harness.registry import problems

N = 10_000


def branin(x):
    b, c, t = 5.1 / (4 * math.pi**2), 5 / math.pi, 1 / (8 * math.pi)
    return (x[1] - b * x[0] ** 2 + c * x[0] - 6) ** 2 + 10 * (1 - t) * math.cos(x[0]) + 10


def camel(x):
    a, b = x
    return (4 - 2.1 * a * a + a**4 / 3) * a * a + a * b + (4 * b * b - 4) * b * b


def goldstein_price(x):
    a, b = x
    first = 1 + (a + b + 1) ** 2 * (19 - 14 * a + 3 * a * a - 14 * b + 6 * a * b + 3 * b * b)
    second = 30 + (2 * a - 3 * b) ** 2 * (18 - 32 * a + 12 * a * a + 48 * b - 36 * a * b + 27 * b * b)
    return first * second


def _hartmann(A, P):
    alpha = (1.0, 1.2, 3.0, 3.2)

    def f(x):
        total = 0.0
        for i in range(4):
            total -= alpha[i] * math.exp(-sum(A[i][j] * (x[j] - P[i][j]) ** 2 for j in range(len(x))))
        return total

    return f


hartmann3 = _hartmann(
    [[3.0, 10, 30], [0.1, 10, 35], [3.0, 10, 30], [0.1, 10, 35]],
    [[0.3689, 0.117, 0.2673], [0.4699, 0.4387, 0.747], [0.1091, 0.8732, 0.5547], [0.0381, 0.5743, 0.8828]],
)
hartmann6 = _hartmann(
    [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]],
    [[0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886], [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
     [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.665], [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381]],
)


def rosenbrock(x):
    return sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(len(x) - 1))


def ackley(x):
    d = len(x)
    return (-20 * math.exp(-0.2 * math.sqrt(sum(v * v for v in x) / d))
            - math.exp(sum(math.cos(2 * math.pi * v) for v in x) / d) + 20 + math.e)


def rastrigin(x):
    return 10 * len(x) + sum(v * v - 10 * math.cos(2 * math.pi * v) for v in x)


def levy(x):
    w = [1 + (v - 1) / 4 for v in x]
    body = sum((wi - 1) ** 2 * (1 + 10 * math.sin(math.pi * wi + 1) ** 2) for wi in w[:-1])
    return math.sin(math.pi * w[0]) ** 2 + body + (w[-1] - 1) ** 2 * (1 + math.sin(2 * math.pi * w[-1]) ** 2)


def styblinski_tang(x):
    return 0.5 * sum(v**4 - 16 * v * v + 5 * v for v in x)


def griewank(x):
    prod = 1.0
    for i, v in enumerate(x, start=1):
        prod *= math.cos(v / math.sqrt(i))
    return 1 + sum(v * v for v in x) / 4000 - prod


def michalewicz(x):
    return -sum(math.sin(v) * math.sin(i * v * v / math.pi) ** 20 for i, v in enumerate(x, start=1))


def sphere(x):
    return sum(v * v for v in x)


CASES = [
    ("branin", branin), ("six-hump-camel", camel), ("goldstein-price", goldstein_price),
    ("hartmann3", hartmann3), ("hartmann6", hartmann6), ("rosenbrock-10d", rosenbrock),
    ("ackley-10d", ackley), ("rastrigin-10d", rastrigin), ("levy-10d", levy),
    ("styblinski-tang-10d", styblinski_tang), ("griewank-10d", griewank),
    ("michalewicz-10d", michalewicz), ("sphere-10d", sphere),
]


def _best_seconds(fn, repeats: int = 3) -> float:
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    """Print one row per function: evaluations per second of each path and the speed-up."""
    header = (f"{'function':<22}{'batch/s':>11}{'formula/s':>12}{'scalar/s':>11}{'single/s':>10}"
              f"{'formula/scalar':>16}{'batch/single':>14}")
    print(f"{N} uniform points per function; best of 3 runs\n{header}\n{'-' * len(header)}")
    for name, scalar in CASES:
        problem = problems.create(name)
        configs = problem.space.sample(np.random.default_rng(0), N)
        X = problem.to_array(configs)
        rows = X.tolist()
        reference = np.array([scalar(r) for r in rows])
        np.testing.assert_allclose(problem.value_at(X), reference, rtol=1e-9, atol=1e-12)
        batch = N / _best_seconds(lambda: problem.evaluate_batch(configs))
        formula = N / _best_seconds(lambda: problem.value_at(X))
        loop = N / _best_seconds(lambda: [scalar(r) for r in rows])
        single = 1000 / _best_seconds(lambda: [problem.evaluate(c) for c in configs[:1000]], repeats=2)
        print(f"{name:<22}{batch:>11,.0f}{formula:>12,.0f}{loop:>11,.0f}{single:>10,.0f}"
              f"{formula / loop:>15.0f}x{batch / single:>13.0f}x")


if __name__ == "__main__":
    main()
