"""Regression trees evaluated with numpy: the learned passage scorer's non-linear part (issue 10,
round 22), fitted by ``bench.fit_tree_scorer`` with LightGBM and exported as plain arrays, so
that the bot never needs LightGBM.

Every tree's nodes are stacked in one set of arrays; a split node sends a row to ``left`` when
its feature is ``<=`` the threshold (LightGBM's numerical split), else to ``right``; a leaf
points to itself on both sides and holds its value. All trees walk all rows at once, one level
a step: the walk is ``depth`` array operations whatever the number of rows or trees.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True, eq=False)
class Trees:
    """A sum of regression trees over a feature table's columns."""

    feature: np.ndarray  # per node: the column it splits on (a leaf: 0, unused)
    threshold: np.ndarray  # per node: a row goes left when its value is <= this
    left: np.ndarray  # per node: the node a row goes to (a leaf: itself)
    right: np.ndarray
    value: np.ndarray  # per node: a leaf's value (0 at a split)
    roots: np.ndarray  # each tree's first node
    depth: int  # the deepest leaf's depth (steps of the walk)

    @classmethod
    def of(
        cls,
        feature: Sequence[int],
        threshold: Sequence[float],
        left: Sequence[int],
        right: Sequence[int],
        value: Sequence[float],
        roots: Sequence[int],
    ) -> Trees:
        """Trees from their node lists (as exported); the depth is found by walking them."""
        left_a, right_a = np.asarray(left, np.int64), np.asarray(right, np.int64)
        depth, level = 0, np.asarray(roots, np.int64)
        while True:
            split = left_a[level] != level
            if not split.any():
                break
            level = np.concatenate([left_a[level[split]], right_a[level[split]]])
            depth += 1
        return cls(
            np.asarray(feature, np.int64),
            np.asarray(threshold, np.float64),
            left_a,
            right_a,
            np.asarray(value, np.float64),
            np.asarray(roots, np.int64),
            depth,
        )

    @classmethod
    def from_dump(cls, dump: dict[str, Any], scale: float = 1.0) -> Trees:
        """Trees from LightGBM's ``Booster.dump_model()`` (a plain dict: LightGBM is not
        imported), their leaves' values times ``scale``. Numerical ``<=`` splits only: the
        features are never missing, and a categorical split is refused."""
        feature: list[int] = []
        threshold: list[float] = []
        left: list[int] = []
        right: list[int] = []
        value: list[float] = []

        def add(node: dict[str, Any]) -> int:
            at = len(feature)
            feature.append(0)
            threshold.append(0.0)
            left.append(at)
            right.append(at)
            value.append(0.0)
            if "leaf_value" in node:
                value[at] = scale * float(node["leaf_value"])
                return at
            if node["decision_type"] != "<=":
                raise ValueError(f"split {node['decision_type']!r}: only '<=' is read")
            feature[at] = int(node["split_feature"])
            threshold[at] = float(node["threshold"])
            left[at] = add(node["left_child"])
            right[at] = add(node["right_child"])
            return at

        roots = [add(tree["tree_structure"]) for tree in dump["tree_info"]]
        return cls.of(feature, threshold, left, right, value, roots)

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Each row's sum of its leaves' values (``x``: rows × columns)."""
        n = len(x)
        if not n or not len(self.roots):
            return np.zeros(n)
        node = np.repeat(self.roots[:, None], n, axis=1)  # trees × rows
        rows = np.arange(n)[None, :]
        for _ in range(self.depth):
            go_left = x[rows, self.feature[node]] <= self.threshold[node]
            node = np.where(go_left, self.left[node], self.right[node])
        return self.value[node].sum(axis=0)
