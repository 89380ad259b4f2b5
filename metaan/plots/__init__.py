"""Figures from metaan results in one house style; ``save_figure`` writes reproducible PNG, SVG and PDF files.

Forest plots follow the RevMan / R ``meta`` tradition: text columns (study, design, n per arm), squares
whose area is proportional to the weight, the pooled diamond, the prediction interval as a bar, "favours"
labels under the axis and ratio measures on a log axis labelled with back-transformed values.

Beside them, general figures in the same style for what notebooks would otherwise draw by hand: a labelled dot
chart (``dot_chart``: one row per record, group blocks, intervals, a second marker, reference lines), a
publication table (``table_figure``) and lines with markers (``curve_plot``: power curves, coverage against k).

Every figure function applies :func:`house_style` (Okabe–Ito colour-blind-safe palette, sans-serif text of
7–8 pt at the printed size, TrueType fonts embedded in PDF), sizes the figure for a journal column (single
85 mm, double 175 mm; ``width_mm=``) and returns the matplotlib ``Figure``. Plots compute no statistics
beyond trivial transformations — a study's normal CI y ± z·√v (the Wald interval every forest plot shows),
exp() for ratio measures, counts and sums of patients — and take the rest from metaan's own functions.

Artists that tests and users look for carry a ``gid``:

========================  =================================================================================
gid                       artist
========================  =================================================================================
``study-square``          one square marker per study (forest)
``study-ci``              one CI line per study (forest)
``ci-arrow``              arrow head where a CI runs beyond ``xlim`` (forest, cumulative_forest, dot_chart);
                          its tip sits on the limit
``pooled-diamond``        the overall pooled diamond (forest; none with ``overall=False``)
``subtotal-diamond``      one diamond per subgroup with >= 2 studies (forest; none with ``subtotals=False``)
``diamond-arrow``         arrow head pointing on from a diamond cut at ``xlim``; ``pi-arrow`` the same for the
                          prediction-interval bar (forest)
``prediction-interval``   the prediction-interval bar (forest, drapery)
``pooled-line``           vertical line at the pooled estimate (forest, funnel)
``null-line``             vertical line at no effect (0, or 1 on a ratio axis)
``forest-cell-<key>``     text cells of a table column; ``<key>`` is study, design, n_t, n_c, est, weight,
                          rob, k, tau2, i2 (forest, cumulative_forest); ``forest-header-<key>`` the headers
``forest-<kind>-label``   labels of the group, subtotal, overall and pi (prediction interval) rows
``forest-footer``         footnote lines (heterogeneity, test for overall effect, subgroup test, legends)
``rob-marker``            risk-of-bias circles, ``get_label()`` is the judgement; ``rob-symbol`` the sign
``favours-left/right``    the "favours" labels under a forest axis; ``favours-label`` in tsa_plot
``contour-region``        shaded significance regions (funnel); ``study-points``, ``filled-points``,
                          ``pseudo-ci``, ``trimfill-line``
``cumulative-point``      one marker per step (cumulative_forest); ``cumulative-ci`` its CI line
``evidence-point``        studies with a sample size (evidence_map; ``get_label()`` is the study);
                          ``evidence-gap`` studies without one or not found
``claims-<verdict>``      the bar segments of one verdict (claims_chart)
``study-curve``           one p-value function per study (drapery); ``pooled-curve``, ``level-line``
``gosh-points``           the GOSH scatter (or ``gosh-hexbin``); ``gosh-full`` the fit to all studies
``z-curve``               cumulative z (tsa_plot); ``efficacy-boundary``, ``harm-boundary``,
                          ``futility-boundary``, ``conventional-boundary``, ``ris-line``
``dot-label``             one row label per row (dot_chart); ``dot-group-label`` the block headers;
                          ``dot-point`` one marker per record (``get_label()`` is its row), ``dot-ci``,
                          ``dot-second`` and ``dot-connector`` (the second value), ``dot-value`` the value texts,
                          ``dot-value-header``
``table-header``          one header per column (table_figure); ``table-cell`` one per body cell, row by row
                          (``get_label()`` is "row,column"); ``table-rule`` the three rules; ``table-note``
``curve``                 one line per curve (curve_plot; ``get_label()`` is its name); ``curve-band``,
                          ``reference-band``, ``x-reference-line``, ``x-reference-label``
``reference-line``        a reference line (dot_chart: vertical; curve_plot: horizontal); ``reference-label``
``figure-title``          the title (forest, cumulative_forest, dot_chart, table_figure, curve_plot)
========================  =================================================================================

The package is split by figure family; import everything from ``metaan.plots``:

==========================  ===============================================================================
module                      holds
==========================  ===============================================================================
``plots/__init__.py``       this public face, ``FIGURES_DIR`` and ``save_figure`` (kept here, so that
                            ``save_figure`` reads ``metaan.plots.FIGURES_DIR``)
``plots/_style.py``         house style (``OKABE_ITO``, ``HOUSE_RC``, ``house_style``), journal sizes, design
                            labels, number formats, effect scales and axes shared by every figure
``plots/_table.py``         the text-table layout of ``forest`` and ``cumulative_forest``, and interval marks
                            (CI lines, diamonds, bars) cut at the axis limits with arrow heads
``plots/_forest.py``        ``forest``, ``cumulative_forest`` (``ROB_LEVELS``)
``plots/_diagnostics.py``   ``funnel``, ``drapery``, ``gosh_plot``
``plots/_overview.py``      ``evidence_map``, ``claims_chart`` (``VERDICTS``, ``VERDICT_COLOURS``)
``plots/_tsa.py``           ``tsa_plot``
``plots/_charts.py``        ``dot_chart``, ``curve_plot`` (``SERIES_STYLES``)
``plots/_tabular.py``       ``table_figure``
==========================  ===============================================================================
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from matplotlib.figure import Figure

from ..errors import InputError
from ._charts import SERIES_STYLES as SERIES_STYLES
from ._charts import curve_plot, dot_chart
from ._diagnostics import drapery, funnel, gosh_plot
from ._forest import ROB_LEVELS as ROB_LEVELS
from ._forest import cumulative_forest, forest
from ._overview import VERDICT_COLOURS as VERDICT_COLOURS
from ._overview import VERDICTS as VERDICTS
from ._overview import claims_chart, evidence_map
from ._style import DESIGN_LABELS as DESIGN_LABELS
from ._style import DESIGN_ORDER as DESIGN_ORDER
from ._style import DOUBLE_COLUMN_MM, HOUSE_RC, OKABE_ITO, SINGLE_COLUMN_MM, house_style
from ._tabular import table_figure
from ._tsa import tsa_plot

__all__ = [
    "OKABE_ITO", "HOUSE_RC", "SINGLE_COLUMN_MM", "DOUBLE_COLUMN_MM", "house_style", "save_figure", "forest",
    "funnel", "cumulative_forest", "evidence_map", "claims_chart", "drapery", "gosh_plot", "tsa_plot",
    "dot_chart", "table_figure", "curve_plot",
]  # fmt: skip

#: where :func:`save_figure` writes by default: the repository's ``figures/`` folder, whatever the working directory
FIGURES_DIR = Path(__file__).resolve().parents[2] / "figures"


def save_figure(fig: Figure, name: str, directory: str | Path | None = None, *,
                formats: Sequence[str] = ("png", "svg", "pdf"), dpi: int = 300) -> list[Path]:  # fmt: skip
    """Write ``<directory>/<name>.png`` (``dpi``, 300 by default), ``.svg`` and ``.pdf``; return the paths.

    ``directory`` defaults to the repository's ``figures/`` folder, whatever the working directory.

    The folder is created if needed. Output is byte-identical on reruns: no creation dates (PDF
    ``CreationDate``, SVG ``Date``), a fixed ``svg.hashsalt`` for SVG ids, and the house style's embedded
    TrueType font (``pdf.fonttype = 42``). The figure keeps its size (no tight cropping), so a figure made for
    an 85 mm column stays 85 mm wide.
    """
    name = str(name)
    if not name or any(ch in name for ch in "/\\") or name in (".", ".."):
        raise InputError(f"figure name {name!r} must be a plain file name without folders (e.g. 'forest')")
    allowed = {"png", "svg", "pdf"}
    bad = [f for f in formats if f not in allowed]
    if bad:
        raise InputError(f"format(s) {', '.join(map(repr, bad))} unsupported; use png, svg and/or pdf")
    suffix = Path(name).suffix.lstrip(".").lower()
    if suffix in allowed:
        raise InputError(f"figure name {name!r} has an extension; give the name alone ('{Path(name).stem}')")
    folder = Path(directory) if directory is not None else FIGURES_DIR
    folder.mkdir(parents=True, exist_ok=True)
    metadata = {"png": {"Software": None}, "svg": {"Date": None},
                "pdf": {"CreationDate": None, "ModDate": None}}  # fmt: skip
    paths = []
    with house_style():
        for fmt in formats:
            path = folder / f"{name}.{fmt}"
            fig.savefig(path, format=fmt, dpi=dpi, metadata=metadata[fmt])
            paths.append(path)
    return paths
