"""Measured layout faults of a drawn matplotlib figure: texts on texts, legends on data.

:func:`text_overlaps` lists the pairs of visible texts (tick labels, axis
labels, titles, legend texts, annotations, the suptitle) whose rendered boxes
overlap; :func:`legend_cover` says, for each legend, what share of its axes'
data points (line vertices, scatter offsets, bar and patch centres) it sits
on; :func:`texts_outside` lists texts cut off at the figure's edge and
:func:`repeated_ticks` axes whose neighbouring tick labels read the same.
Each draws the figure (Agg) and returns data; :func:`layout_faults` puts them
in words. The tests hold every figure the project draws to none of these,
which is what a person would otherwise have to look for. Measure a figure in
the rc style it is saved in: tick counts follow the style's type size.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import Collection, PathCollection
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.text import Text

#: Overlaps smaller than this many square pixels (antialiasing, touching edges) do not count.
MIN_OVERLAP_PX2 = 1.0


@dataclass(frozen=True)
class Overlap:
    """Two texts whose boxes overlap: where each is, its text, and the shared area in pixels²."""

    first: str
    second: str
    area_px2: float


@dataclass(frozen=True)
class LegendCover:
    """One legend: its entries, the drawn data points near it, and how many it sits on."""

    legend: str
    points: int
    covered: int

    @property
    def share(self):
        return self.covered / self.points if self.points else 0.0


def renderer_of(fig):
    """Draw ``fig`` and return its renderer (an Agg canvas is attached when it has none that can draw)."""
    root = fig.figure if getattr(fig, "figure", None) is not None else fig
    if not isinstance(root.canvas, FigureCanvasAgg):
        FigureCanvasAgg(root)
    root.canvas.draw()
    return root.canvas.get_renderer()


def _figures(fig):
    yield fig
    for sub in getattr(fig, "subfigs", ()):
        yield from _figures(sub)



def _shown(text):
    if not isinstance(text, Text) or not text.get_visible() or not text.get_text().strip():
        return False
    return text.get_alpha() is None or text.get_alpha() > 0


def _legend_texts(legend, where):
    if legend is None or not legend.get_visible():
        return []
    found = [(f"{where} legend", t) for t in legend.get_texts()]
    return found + [(f"{where} legend title", legend.get_title())]


def _axis_texts(ax, i):
    found = []
    if not ax.axison:  # set_axis_off: no ticks, labels or spines are drawn
        return found
    for name, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
        if not axis.get_visible():
            continue
        # _update_ticks gives the ticks matplotlib draws (inside the view interval);
        # the others keep stale labels that are never shown.
        for tick in axis._update_ticks():
            found += [(f"axes {i} {name} tick", tick.label1), (f"axes {i} {name} tick", tick.label2)]
        found += [(f"axes {i} {name} label", axis.label), (f"axes {i} {name} offset", axis.get_offset_text())]
    return found


def text_elements(fig):
    """Every visible, non-empty text of the figure as ``(where, Text)``, in drawing groups."""
    found = []
    for k, f in enumerate(_figures(fig)):
        tag = "figure" if k == 0 else f"subfigure {k}"
        for attr in ("_suptitle", "_supxlabel", "_supylabel"):
            if getattr(f, attr, None) is not None:
                found.append((f"{tag} {attr.strip('_')}", getattr(f, attr)))
        found += [(f"{tag} text", t) for t in f.texts]
        for legend in f.legends:
            found += _legend_texts(legend, tag)
    for i, ax in enumerate(fig.axes):
        if not ax.get_visible():
            continue
        found += [(f"axes {i} title/text", t) for t in ax.get_children() if isinstance(t, Text)]
        found += _axis_texts(ax, i)
        found += _legend_texts(ax.get_legend(), f"axes {i}")
    seen, out = set(), []
    for where, text in found:
        if _shown(text) and id(text) not in seen:
            seen.add(id(text))
            out.append((where, text))
    return out


def _extent(artist, renderer):
    box = artist.get_window_extent(renderer)
    if box.width > 0 and box.height > 0 and np.all(np.isfinite(box.extents)):
        return box.extents
    return None


def _boxes(fig, renderer):
    """``(name, extents, group)`` of every text, and of every legend as a whole (its handles too).

    A legend's own texts share its group, so they are not reported against their legend's box.
    """
    boxes = []
    for where, text in text_elements(fig):
        ext = _extent(text, renderer)
        if ext is not None:
            owner = next((leg for leg in _legends(fig) if text in leg.get_texts() or text is leg.get_title()), None)
            boxes.append((f"{where} {text.get_text()!r}", ext, id(owner) if owner is not None else id(text)))
    for legend in _legends(fig):
        ext = _extent(legend, renderer)
        if ext is not None:
            entries = ", ".join(t.get_text() for t in legend.get_texts())
            boxes.append((f"legend box [{entries}]", ext, id(legend)))
    return boxes


def _legends(fig):
    found = [ax.get_legend() for ax in fig.axes if ax.get_visible()]
    for f in _figures(fig):
        found += list(f.legends)
    return [leg for leg in found if isinstance(leg, Legend) and leg.get_visible()]


def text_overlaps(fig, min_area_px2=MIN_OVERLAP_PX2, pad_pt=1.0):
    """Pairs of visible texts of ``fig`` whose rendered boxes overlap (list of :class:`Overlap`).

    Each legend also counts as one box (handles and texts), against every
    text that is not its own. Boxes are grown by ``pad_pt`` points on each
    side first, so labels that touch (``-20%-15%``, run together) count too.
    """
    renderer = renderer_of(fig)
    boxes = _boxes(fig, renderer)
    if not boxes:
        return []
    pad = pad_pt * (fig.figure if getattr(fig, "figure", None) is not None else fig).dpi / 72.0
    ext = np.array([b for _, b, _ in boxes]) + np.array([-pad, -pad, pad, pad])
    groups = np.array([g for _, _, g in boxes])
    x0, y0, x1, y1 = ext.T
    width = np.minimum(x1[:, None], x1[None, :]) - np.maximum(x0[:, None], x0[None, :])
    height = np.minimum(y1[:, None], y1[None, :]) - np.maximum(y0[:, None], y0[None, :])
    area = np.clip(width, 0, None) * np.clip(height, 0, None)
    clash = (area > min_area_px2) & (groups[:, None] != groups[None, :])
    first, second = np.nonzero(np.triu(clash, k=1))
    return [Overlap(boxes[a][0], boxes[b][0], float(area[a, b])) for a, b in zip(first, second)]


def texts_outside(fig, renderer=None):
    """Visible texts of ``fig`` that stick out of the figure (cut off when saved as is)."""
    renderer = renderer or renderer_of(fig)
    root = fig.figure if getattr(fig, "figure", None) is not None else fig
    w, h = root.bbox.width, root.bbox.height
    return [name for name, (x0, y0, x1, y1), _ in _boxes(fig, renderer)
            if x0 < -1 or y0 < -1 or x1 > w + 1 or y1 > h + 1]


def repeated_ticks(fig):
    """Axes whose neighbouring tick labels read the same (``$1 $1 $1 $0``: a scale too fine for its format).

    Returns ``[(where, [labels])]``, one item per axis that repeats.
    """
    renderer_of(fig)
    out = []
    for i, ax in enumerate(fig.axes):
        if not ax.get_visible() or not ax.axison:
            continue
        for name, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
            labels = [t.label1.get_text() for t in axis._update_ticks()
                      if t.label1.get_visible() and t.label1.get_text().strip()]
            # neighbours only: concise dates repeat "May" in each year, rightly
            if any(a == b for a, b in zip(labels, labels[1:])):
                out.append((f"axes {i} {name}", labels))
    return out


def _artist_points(artist):
    """Display coordinates of an artist's data points (an empty (0, 2) array for none)."""
    if isinstance(artist, Line2D):
        xy = np.asarray(artist.get_xydata(), dtype=float)
        return artist.get_transform().transform(xy) if len(xy) else np.empty((0, 2))
    if isinstance(artist, PathCollection) and len(artist.get_offsets()):
        return artist.get_offset_transform().transform(np.asarray(artist.get_offsets(), dtype=float))
    if isinstance(artist, Collection):
        paths = artist.get_paths()
        if not paths:
            return np.empty((0, 2))
        xy = np.concatenate([np.asarray(p.vertices, dtype=float) for p in paths])
        return artist.get_transform().transform(xy)
    if isinstance(artist, Rectangle):
        # a bar: its centre, the middles of its edges and its corners, so a
        # legend on the bar's top (its value) counts, not only on its middle
        box = artist.get_window_extent()
        xs, ys = np.linspace(box.x0, box.x1, 3), np.linspace(box.y0, box.y1, 3)
        return np.array([(x, y) for x in xs for y in ys])
    if isinstance(artist, Patch):
        xy = np.asarray(artist.get_path().vertices, dtype=float)
        return artist.get_transform().transform(xy) if len(xy) else np.empty((0, 2))
    return np.empty((0, 2))


def _is_span(patch, ax):
    """A shaded band across the whole plot (axvspan, axhspan): a backdrop, not data."""
    if not isinstance(patch, Patch):
        return False
    box, plot = patch.get_window_extent(), ax.bbox
    return box.height >= 0.99 * plot.height or box.width >= 0.99 * plot.width


def data_points(ax):
    """Display coordinates of every drawn data point of ``ax`` that falls inside the axes.

    Line vertices, scatter offsets, other collections' vertices (fills, bars of
    lines), bars as nine points each (corners, edge middles, centre), other
    patches' vertices; bands across the whole plot (shaded spans) are left out.
    """
    artists = [*ax.lines, *ax.collections, *(p for p in ax.patches if not _is_span(p, ax))]
    parts = [_artist_points(a) for a in artists if a.get_visible()]
    xy = np.concatenate(parts) if parts else np.empty((0, 2))
    xy = xy[np.all(np.isfinite(xy), axis=1)]
    box = ax.bbox
    inside = (xy[:, 0] >= box.x0) & (xy[:, 0] <= box.x1) & (xy[:, 1] >= box.y0) & (xy[:, 1] <= box.y1)
    return xy[inside]


def _cover(legend, axes, renderer, where):
    box = legend.get_window_extent(renderer)
    parts = [data_points(ax) for ax in axes]
    xy = np.concatenate(parts) if parts else np.empty((0, 2))
    covered = (xy[:, 0] >= box.x0) & (xy[:, 0] <= box.x1) & (xy[:, 1] >= box.y0) & (xy[:, 1] <= box.y1)
    entries = ", ".join(t.get_text() for t in legend.get_texts())
    return LegendCover(f"{where} legend [{entries}]", int(len(xy)), int(covered.sum()))


def legend_cover(fig):
    """For each visible legend of ``fig``, the data points of its axes it sits on (list of :class:`LegendCover`).

    An axes' legend is measured against that axes' points; a figure legend against every axes' points.
    """
    renderer = renderer_of(fig)
    out = []
    axes = [ax for ax in fig.axes if ax.get_visible()]
    for i, ax in enumerate(fig.axes):
        legend = ax.get_legend()
        if isinstance(legend, Legend) and legend.get_visible() and ax.get_visible():
            title = ax.get_title() or ax.get_title(loc="left")
            out.append(_cover(legend, [ax], renderer, f"axes {i} ({title!r})"))
    for f in _figures(fig):
        for legend in f.legends:
            if legend.get_visible():
                out.append(_cover(legend, axes, renderer, "figure"))
    return out


def layout_faults(fig, max_cover=0.05):
    """Readable list of every fault: overlapping texts, texts cut off at the figure's edge,
    repeated tick labels, and legends covering more than ``max_cover`` of their points."""
    faults = [f"overlap ({o.area_px2:.0f} px²): {o.first} / {o.second}" for o in text_overlaps(fig)]
    faults += [f"cut off at the figure's edge: {name}" for name in texts_outside(fig)]
    faults += [f"{where} ticks repeat: {labels}" for where, labels in repeated_ticks(fig)]
    faults += [f"{c.legend} covers {c.covered} of {c.points} points ({c.share:.1%})"
               for c in legend_cover(fig) if c.share > max_cover]
    return faults
