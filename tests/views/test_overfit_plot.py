"""The PBO figure: the logit histogram's red part is the PBO; the pairs panel shows every combination."""
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from pvr_plugin.core.overfit import probability_of_backtest_overfitting
from pvr_plugin.views import style
from pvr_plugin.views.overfit_plot import logit_figure


def _colour(patch):
    r, g, b, _ = patch.get_facecolor()
    return "#{:02x}{:02x}{:02x}".format(round(r * 255), round(g * 255), round(b * 255))


def test_logit_histogram_red_share_is_the_pbo():
    # the 4 x 8 hand case of tests/core/test_overfit.py: logits -0.41 x3, 0, +0.41 x2, PBO 4/6
    blocks = {"A": [3, 4, 3, 4], "B": [3, 3, 5, 1], "C": [0, 1, 1, 1], "D": [4, 4, 2, 2]}
    returns = pd.DataFrame({k: np.repeat(np.array(v) / 200, 2) for k, v in blocks.items()})
    returns.iloc[::2] += 0.01
    returns.iloc[1::2] -= 0.01
    res = probability_of_backtest_overfitting(returns, partitions=4, metric="mean")
    assert res.pbo == 4 / 6
    fig = logit_figure(res)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    bars = fig.axes[0].patches
    red = sum(p.get_height() for p in bars if _colour(p) == style.RED)
    assert np.isclose(sum(p.get_height() for p in bars), 1.0) and np.isclose(red, 4 / 6)
    assert "0.67" in fig._suptitle.get_text()
    offsets = fig.axes[1].collections[0].get_offsets()
    np.testing.assert_allclose(np.asarray(offsets), np.column_stack([res.is_performance, res.oos_performance]))
    assert len(logit_figure(res, pairs=False).axes) == 1


def test_undefined_pbo_says_why():
    res = probability_of_backtest_overfitting(np.zeros((10, 1)), partitions=2)
    fig = logit_figure(res)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert any("at least 2" in t for t in texts) and "n/a" in fig._suptitle.get_text()
