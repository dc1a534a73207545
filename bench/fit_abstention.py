"""Fit the abstention model (bot.retrieval.abstain) and report cross-validated figures.

    .venv/bin/python bench/fit_abstention.py [--store DIR]

Every retrieval question of the dev and loose sets (kinds manual, area, contact, season,
staff_only, unanswerable) that reaches retrieval gives one row: the evidence about its
best section, and a label: 1 when the question is answerable and the best section is one
of its expected sources, 0 when it should be abstained on (answerable questions whose
best section is wrong count as 0 too: answering them is wrong either way, and abstaining
at least sends the stayer to a person). Logistic regression (numpy, L2, standardised
features) is cross-validated 5 times over 5 stratified folds; each question's decision
comes from a model that did not see it. The figures printed are those decisions scored
like `concierge eval` (the answer itself is composed as if answering, so "correct" needs
its facts too). Then one model is fitted on all rows and its weights printed, to be the
defaults of ``AbstainModel``.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from bot.config import Settings  # noqa: E402
from bot.engine.contract import Question  # noqa: E402
from bot.engine.engine import Engine, _scope  # noqa: E402
from bot.evaluation import facts_ok, load_questions, norm, source_matches  # noqa: E402
from bot.retrieval.abstain import FEATURES, evidence  # noqa: E402
from bot.retrieval.compose import compose  # noqa: E402
from text.detect import detect_lang  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "eval"
KINDS = {"manual", "area", "contact", "season", "staff_only", "unanswerable"}


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
        staff = r.asks_for_staff_info(text, got.staff, best)
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
    w = np.zeros(z.shape[1])
    pos = max(1, int(y.sum()))
    neg = max(1, len(y) - pos)
    sw = np.where(y == 1, len(y) / (2 * pos), len(y) / (2 * neg)) if balanced else np.ones(len(y))
    reg = np.eye(z.shape[1]) / c
    reg[0, 0] = 0
    for _ in range(iters):
        p = 1 / (1 + np.exp(-z @ w))
        grad = z.T @ (sw * (p - y)) + reg @ w
        hess = (z * (sw * p * (1 - p))[:, None]).T @ z + reg
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    weights = w[1:] / sd
    return weights, float(w[0] - (w[1:] * mu / sd).sum())


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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--store", type=Path, default=None)
    ap.add_argument("--c", type=float, default=1.0)
    ap.add_argument("--unbalanced", action="store_true", help="do not weigh the two classes equally")
    ap.add_argument("--threshold", type=float, default=0.5)
    args = ap.parse_args()
    store = args.store or Path(tempfile.mkdtemp(prefix="fit-abstention-"))
    engine = Engine.open(Settings(knowledge=SHARED / "corpus", store=store).engine_config())
    sets = {name: rows_for(engine, load_questions(SHARED / f"questions.{name}.jsonl")) for name in ("dev", "loose")}
    rows = [r for name in ("dev", "loose") for r in sets[name] if not r["computed"] and r["x"] is not None]
    x = np.array([r["x"] for r in rows])
    y = np.array([r["y"] for r in rows])
    rng = np.random.default_rng(0)
    prob = np.zeros(len(rows))
    repeats = 5
    for _ in range(repeats):
        folds = np.zeros(len(rows), dtype=int)
        for label in (0, 1):
            idx = rng.permutation(np.flatnonzero(y == label))
            folds[idx] = np.arange(len(idx)) % 5
        for k in range(5):
            tr, te = folds != k, folds == k
            w, b = fit(x[tr], y[tr], args.c, balanced=not args.unbalanced)
            prob[te] += predict(x[te], w, b) / repeats
    cv = {r["id"]: bool(p < args.threshold or r["staff_rule"]) for r, p in zip(rows, prob, strict=True)}
    oracle = {r["id"]: not correct(r, False) for name in ("dev", "loose") for r in sets[name] if not r["computed"]}
    print("best possible decisions:", {name: scores(sets[name], oracle)["correct"] for name in ("dev", "loose")})
    if os.environ.get("FIT_SHOW"):
        for r in sets["loose"]:
            if not correct(r, oracle.get(r["id"], False)):
                said = r.get("answer") or r["first"].text
                print("  cannot be right:", r["id"], r["item"]["q"][:60], "|", said[:100].replace("\n", " "))
    print("cross-validated (each decision by a model that did not see the question):")
    for name in ("dev", "loose"):
        print(f"  {name:6}", scores(sets[name], cv))
    auc = np.mean([(pi > pj) + 0.5 * (pi == pj) for pi, yi in zip(prob, y, strict=True) if yi
                   for pj, yj in zip(prob, y, strict=True) if not yj])
    print(f"  AUC {auc:.3f} over {len(rows)} questions that reached retrieval")
    w, b = fit(x, y, args.c, balanced=not args.unbalanced)
    print("\nweights (raw features):")
    for name, value in zip(FEATURES, w, strict=True):
        print(f"  {name:15} {value:+.3f}")
    print(f"  bias            {b:+.3f}")
    print("\nAbstainModel(weights=(" + ", ".join(f"{v:.2f}" for v in w) + f"), bias={b:.2f})")


if __name__ == "__main__":
    main()
