"""Trees evaluated with numpy (``index/retrieval/trees.py``): fixed trees on fixed inputs, and
LightGBM's own prediction reproduced from its dump (skipped where LightGBM, a fitting script's
dependency, is not installed)."""

from __future__ import annotations

import numpy as np
import pytest

from index.retrieval.passage_scorer import Model
from index.retrieval.trees import Trees

# Two trees over two columns, as LightGBM dumps them: the first splits on column 0 at 0.5, its
# right child on column 1 at 2.0; the second is a single leaf.
DUMP = {
    "tree_info": [
        {
            "tree_structure": {
                "split_feature": 0,
                "threshold": 0.5,
                "decision_type": "<=",
                "left_child": {"leaf_value": -1.0},
                "right_child": {
                    "split_feature": 1,
                    "threshold": 2.0,
                    "decision_type": "<=",
                    "left_child": {"leaf_value": 0.25},
                    "right_child": {"leaf_value": 3.0},
                },
            }
        },
        {"tree_structure": {"leaf_value": 0.5}},
    ]
}


def test_fixed_trees_on_fixed_inputs() -> None:
    trees = Trees.from_dump(DUMP)
    assert trees.depth == 2
    x = np.array([[0.5, 9.0], [0.6, 2.0], [0.6, 2.1], [-3.0, -3.0]])
    # (a value equal to the threshold goes left)
    assert trees.predict(x).tolist() == [-0.5, 0.75, 3.5, -0.5]
    assert Trees.from_dump(DUMP, scale=0.5).predict(x).tolist() == [-0.25, 0.375, 1.75, -0.25]
    assert trees.predict(np.zeros((0, 2))).tolist() == []


def test_a_model_adds_its_trees_to_the_linear_order() -> None:
    feats = np.array([[0.0, 0.0], [-1.0, 3.0]])
    linear = Model(("score", "sentence"), (2.0, 1.0))
    with_trees = Model(("score", "sentence"), (2.0, 1.0), Trees.from_dump(DUMP))
    # linear: (2·score + sentence) / 2; trees: row 0 → -1 + 0.5, row 1 → -1 + 0.5
    assert linear.order(feats).tolist() == [0.0, 0.5]
    assert with_trees.order(feats).tolist() == [-0.5, 0.0]


def test_a_categorical_split_is_refused() -> None:
    dump = {
        "tree_info": [
            {
                "tree_structure": {
                    "split_feature": 0,
                    "threshold": "1||2",
                    "decision_type": "==",
                    "left_child": {"leaf_value": 1.0},
                    "right_child": {"leaf_value": 0.0},
                }
            }
        ]
    }
    with pytest.raises(ValueError, match="only '<='"):
        Trees.from_dump(dump)


def test_lightgbms_prediction_reproduced() -> None:
    lgb = pytest.importorskip("lightgbm")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(600, 5))
    x[:, 3] = np.round(x[:, 3])  # (ties at the thresholds)
    y = (x[:, 0] + x[:, 1] * x[:, 2] + (x[:, 3] > 0) > 0.5).astype(int)
    group = [20] * 30
    params = {"objective": "lambdarank", "num_leaves": 8, "min_data_in_leaf": 20, "verbose": -1}
    booster = lgb.train(params, lgb.Dataset(x, label=y, group=group), num_boost_round=30)
    trees = Trees.from_dump(booster.dump_model())
    held = rng.normal(size=(200, 5))
    held[:, 3] = np.round(held[:, 3])
    for table in (x, held):
        expected = booster.predict(table, raw_score=True)
        np.testing.assert_allclose(trees.predict(table), expected, rtol=0, atol=1e-12)
