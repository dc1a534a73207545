"""Fit the abstention model (bot.retrieval.abstain) and report validated figures.

    .venv/bin/python bench/fit_abstention.py [--threshold 0.4]

Four question sets over three different guides: the eval corpus's dev and loose sets,
the sample house's own loose questions (bench/loose.jsonl over knowledge/) and the real
Boulder host guide's (bench/realguide.jsonl, the guide dropped in unchanged). Every
retrieval question (kinds manual, area, contact, season, staff_only, unanswerable) that
reaches retrieval gives one row: the evidence about its best section, and a label: 1
when the question is answerable and the best section is one of its expected sources, 0
when it should be abstained on (answerable questions whose best section is wrong count
as 0 too: answering them is wrong either way, and abstaining at least sends the stayer
to a person). Logistic regression (numpy, L2, standardised features, classes weighed
equally) is fitted on the ``--train`` sets (default dev and loose) and validated two
ways; each question's decision comes from a model that did not see it:

- the training sets: 5 x 5 stratified folds;
- the other sets: the model fitted on the training sets, i.e. guides it never saw (the
  honest figure for a guide staff drop in later).

``--fit-only cross_words`` fits only the named features' weights, the others and the bias held
at AbstainModel's defaults: how a new kind of evidence was weighed (stop 22) without moving
the decisions it has nothing to say about.

The figures are those decisions scored like `concierge eval` (the answer is composed as
if answering, so "correct" needs its facts too), for each threshold in ``--thresholds``;
the threshold is ``ComposeConfig.abstain_below``. The weights fitted on all training rows
are printed last, to be the defaults of ``AbstainModel``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bot.config import Settings  # noqa: E402
from bot.engine.contract import Question  # noqa: E402
from bot.engine.engine import Engine, _scope  # noqa: E402
from bot.evaluation import facts_ok, load_questions, norm, source_matches  # noqa: E402
from bot.retrieval.abstain import FEATURES, AbstainModel, evidence  # noqa: E402
from bot.retrieval.compose import compose  # noqa: E402
from text.detect import detect_lang  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "eval"
KINDS = {"manual", "area", "contact", "season", "staff_only", "unanswerable"}
#: question set -> the guide (knowledge folder) it asks about
GUIDES = {"dev": "eval corpus", "loose": "eval corpus", "own": "sample house", "real": "Boulder guide"}


def rows_for(engine: Engine, items: list[dict]) -> list[dict]:
    out = []
    for it in items:
        if it.get("kind") not in KINDS:
            continue
        q = Question(it["q"], it["house"], datetime.fromisoformat(it["now"]))
        first = engine.answer(q)
        row: dict = {"id": it["id"], "item": it, "computed": first.intent not in ("retrieval", "abstain")}
        if row["computed"]:
            row["first"] = first
            out.append(row)
            continue
        house = engine.house(q.house_id)
        lang = detect_lang(q.text)
        r = engine.retriever
        scope = _scope(q, house, engine.knowledge)
        text = r.normalize_query(q.text)
        got = r.retrieve(text, scope, lang, vector=r.embed(text))
        exp = it["expect"]
        if not got.hits:
            row.update(x=None, y=0)
            out.append(row)
            continue
        best = got.hits[0]
        top_ok = any(source_matches(e, best.meta["path"], best.meta["heading"]) for e in exp.get("sources") or [])
        answer = compose(q.text, lang, got.hits, house, replace(engine.config.compose, abstain_below=-1.0), 1.0)
        staff = r.asks_for_staff_info(text, got.staff, best, scope)
        row.update(x=np.array(evidence(r, text, lang, got.hits, got.staff, scope).values), staff_rule=staff,
                   y=int(bool(not exp.get("abstain") and top_ok)), answer=answer.text)
        out.append(row)
    return out


def fit(x: np.ndarray, y: np.ndarray, c: float = 1.0, iters: int = 200,
        balanced: bool = True) -> tuple[np.ndarray, float]:
    """L2 logistic regression by Newton steps on standardised features, balanced classes;
    returns weights and bias for the raw features."""
    mu, sd = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = np.c_[np.ones(len(x)), (x - mu) / sd]
    reg = np.eye(z.shape[1]) / c
    reg[0, 0] = 0
    w = _newton(z, y, _class_weights(y, balanced), reg, np.zeros(len(y)), iters)
    weights = w[1:] / sd
    return weights, float(w[0] - (w[1:] * mu / sd).sum())


def fit_only(x: np.ndarray, y: np.ndarray, only: list[int], c: float = 1.0,
             balanced: bool = True) -> tuple[np.ndarray, float]:
    """Fit the weights of the features ``only`` (indices) with the other weights and the bias
    held at AbstainModel's defaults (their logit is a fixed offset): a new kind of evidence is
    weighed without refitting what the other sets were validated with. Returns all weights."""
    base = AbstainModel()
    w0, b0 = np.array(base.weights, dtype=float), base.bias
    rest = [i for i in range(x.shape[1]) if i not in only]
    sd = x[:, only].std(axis=0) + 1e-9
    w = _newton(x[:, only] / sd, y, _class_weights(y, balanced), np.eye(len(only)) / c,
                x[:, rest] @ w0[rest] + b0, 100)
    out = w0.copy()
    out[only] = w / sd
    return out, b0


def _class_weights(y: np.ndarray, balanced: bool) -> np.ndarray:
    """Per-row weights that make the two classes weigh the same (all 1 when not ``balanced``)."""
    pos = max(1, int(y.sum()))
    neg = max(1, len(y) - pos)
    return np.where(y == 1, len(y) / (2 * pos), len(y) / (2 * neg)) if balanced else np.ones(len(y))


def _newton(z: np.ndarray, y: np.ndarray, sw: np.ndarray, reg: np.ndarray, offset: np.ndarray,
            iters: int) -> np.ndarray:
    """Weights of ``P = sigmoid(offset + z . w)`` minimising the row-weighted log loss plus
    ``w . reg . w / 2``, by Newton steps."""
    w = np.zeros(z.shape[1])
    for _ in range(iters):
        p = 1 / (1 + np.exp(-(offset + z @ w)))
        grad = z.T @ (sw * (p - y)) + reg @ w
        hess = (z * (sw * p * (1 - p))[:, None]).T @ z + reg
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


def predict(x: np.ndarray, weights: np.ndarray, bias: float) -> np.ndarray:
    return 1 / (1 + np.exp(-(x @ weights + bias)))


def correct(row: dict, abstain: bool) -> bool:
    exp = row["item"]["expect"]
    if row["computed"]:
        ans = row["first"]
        text, abstain = ans.text, ans.abstained
    else:
        text = row.get("answer", "")
    if any(norm(f) in norm(text) for f in exp.get("forbidden") or []) and not abstain:
        return False
    if exp.get("abstain"):
        return abstain
    return not abstain and facts_ok(exp.get("facts") or [], text)


def scores(rows: list[dict], abstained: dict[str, bool]) -> dict[str, float]:
    n = len(rows)
    ok = sum(correct(r, abstained.get(r["id"], False)) for r in rows)
    did = [r for r in rows if (r["first"].abstained if r["computed"] else abstained[r["id"]])]
    should = [r for r in rows if r["item"]["expect"].get("abstain")]
    both = [r for r in did if r["item"]["expect"].get("abstain")]
    return {"n": n, "correct": round(ok / n, 3), "abstain_precision": round(len(both) / max(1, len(did)), 3),
            "abstain_recall": round(len(both) / max(1, len(should)), 3)}


def question_sets(tmp: Path) -> dict[str, list[dict]]:
    """The four sets' rows, each set answered by an engine over its own guide."""
    from tests.realguide import QUESTIONS as REAL_QUESTIONS
    from tests.realguide import build as build_real_guide

    def engine(knowledge: Path, name: str) -> Engine:
        return Engine.open(Settings(knowledge=knowledge, store=tmp / name).engine_config())

    corpus = engine(SHARED / "corpus", "eval")
    sample = engine(ROOT / "knowledge", "sample")
    real = engine(build_real_guide(tmp / "realguide"), "real")
    return {
        "dev": rows_for(corpus, load_questions(SHARED / "questions.dev.jsonl")),
        "loose": rows_for(corpus, load_questions(SHARED / "questions.loose.jsonl")),
        "own": rows_for(sample, load_questions(ROOT / "bench" / "loose.jsonl")),
        "real": rows_for(real, load_questions(REAL_QUESTIONS)),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--c", type=float, default=1.0)
    ap.add_argument("--unbalanced", action="store_true", help="do not weigh the two classes equally")
    ap.add_argument("--thresholds", default="0.3,0.4,0.5,0.6", help="P(answer) below which to abstain")
    ap.add_argument("--train", default="dev,loose", help="sets the model is fitted on (dev, loose, own, real)")
    ap.add_argument("--fit-only", default="", help="comma-separated features to fit, the other weights and "
                    "the bias held at AbstainModel's defaults (e.g. cross_words)")
    args = ap.parse_args()
    only = [FEATURES.index(f) for f in args.fit_only.split(",") if f]

    def fit_rows(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
        return fit_only(x, y, only, args.c, balanced) if only else fit(x, y, args.c, balanced=balanced)

    sets = question_sets(Path(tempfile.mkdtemp(prefix="fit-abstention-")))
    names = list(sets)
    train = [n for n in args.train.split(",") if n]
    balanced = not args.unbalanced

    def usable(name: str) -> list[dict]:
        return [r for r in sets[name] if not r["computed"] and r["x"] is not None]

    rows = [r for name in train for r in usable(name)]
    x = np.array([r["x"] for r in rows])
    y = np.array([r["y"] for r in rows])
    prob: dict[str, float] = {}
    rng = np.random.default_rng(0)
    repeats = 5
    folds_p = np.zeros(len(rows))
    for _ in range(repeats):
        folds = np.zeros(len(rows), dtype=int)
        for label in (0, 1):
            idx = rng.permutation(np.flatnonzero(y == label))
            folds[idx] = np.arange(len(idx)) % 5
        for k in range(5):
            tr, te = folds != k, folds == k
            w, b = fit_rows(x[tr], y[tr])
            folds_p[te] += predict(x[te], w, b) / repeats
    prob.update({r["id"]: float(p) for r, p in zip(rows, folds_p, strict=True)})
    w, b = fit_rows(x, y)
    for name in names:
        if name not in train and usable(name):
            others = usable(name)
            prob.update({r["id"]: float(p) for r, p in
                         zip(others, predict(np.array([r["x"] for r in others]), w, b), strict=True)})
    oracle = {r["id"]: not correct(r, False) for name in names for r in sets[name] if not r["computed"]}
    print("best possible decisions:", {name: scores(sets[name], oracle)["correct"] for name in names})
    if os.environ.get("FIT_SHOW"):
        for r in sets["loose"]:
            if not correct(r, oracle.get(r["id"], False)):
                said = r.get("answer") or r["first"].text
                print("  cannot be right:", r["id"], r["item"]["q"][:60], "|", said[:100].replace("\n", " "))
    auc = np.mean([(pi > pj) + 0.5 * (pi == pj) for pi, yi in zip(folds_p, y, strict=True) if yi
                   for pj, yj in zip(folds_p, y, strict=True) if not yj])
    print(f"trained on {'+'.join(train)}: {len(rows)} questions reached retrieval; AUC (5 x 5 folds) {auc:.3f}")
    print("correct (abstain P / R) per set; training sets by 5 x 5 folds, the others by the fitted model:")
    for threshold in [float(t) for t in args.thresholds.split(",")]:
        decided = {r["id"]: bool(prob[r["id"]] < threshold or r["staff_rule"]) for name in names for r in usable(name)}
        cells = []
        for name in names:
            sc = scores(sets[name], decided)
            cells.append(f"{name}{'*' if name not in train else ''} {sc['correct']:.3f} "
                         f"({sc['abstain_precision']:.2f}/{sc['abstain_recall']:.2f})")
        print(f"  threshold {threshold:.2f}: " + "  ".join(cells))
    print("  (* = a guide the model never saw)")
    print("\nweights (raw features), fitted on all training rows:")
    for name, value in zip(FEATURES, w, strict=True):
        print(f"  {name:15} {value:+.3f}")
    print(f"  bias            {b:+.3f}")
    print("\nAbstainModel(weights=(" + ", ".join(f"{v:.2f}" for v in w) + f"), bias={b:.2f})")


if __name__ == "__main__":
    main()
