"""Rank spread: which wards an officer should look at, and a static chart of them.

All wards as bars is unreadable (275 overlapping bars). The chart shows the top
wards (`TOP`) and every ward whose rank moves more than a set number of places
between the two models of the analysis, the composite score and the PCA score
(by default a third of the wards: enough to carry a ward across a whole category).
For each: its rank under the composite score, the middle 80% of its ranks across
the composite's variable combinations (10th-90th percentile), their full range,
and its PCA rank.
"""
import math
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

TOP = 20
MOVERS_SHOWN = 30
WIDTH = 1000
LABEL_WIDTH = 380
ROW = 30
FONT = 19
COLOURS = {'range': '#fcbba1', 'middle': '#ef3b2c', 'composite': '#67000d', 'pca': '#2171b5'}


@dataclass(frozen=True)
class SpreadRows:
    top: tuple          # view.Ward, the top wards in rank order
    movers: tuple       # view.Ward outside the top whose rank moves most, largest move first
    more: int           # movers not shown
    limit: int          # the set number of places
    ranked: int         # wards ranked

    @property
    def wards(self):
        return self.top + self.movers


def default_limit(ranked):
    """A third of the ranked wards, rounded up: a move that size can change a ward's category."""
    return max(1, math.ceil(ranked / 3))


def rank_move(ward):
    """Places between the ward's composite and PCA ranks (None unless both ran)."""
    if ward.composite_rank is None or ward.pca_rank is None:
        return None
    return abs(ward.composite_rank - ward.pca_rank)


def spread_rows(view, limit=None):
    """The top wards of the composite ranking and the wards that move more than `limit` places."""
    wards = [w for w in view.wards if w.composite_rank is not None]
    limit = int(limit) if limit is not None else default_limit(len(wards))
    top = tuple(wards[:TOP])
    moving = sorted((w for w in wards[TOP:] if (rank_move(w) or 0) > limit), key=lambda w: -rank_move(w))
    return SpreadRows(top=top, movers=tuple(moving[:MOVERS_SHOWN]), more=max(0, len(moving) - MOVERS_SHOWN),
                      limit=limit, ranked=len(wards))


def chart(rows):
    """The rank-spread chart as an inline `<svg>`: one row per ward, ranks across."""
    wards = rows.wards
    top_pad, plot_left, plot_right = FONT * 3.2, LABEL_WIDTH + 10, WIDTH - 20
    gap = ROW * 1.4 if rows.movers else 0
    height = int(top_pad + ROW * len(wards) + gap + FONT * 3.5)
    n = max(rows.ranked, 2)

    def x(rank):
        return plot_left + (rank - 1) / (n - 1) * (plot_right - plot_left)
    ticks = sorted({1, *range(0, n + 1, _tick_step(n))[1:], n})
    parts = [f'<text x="{x(t):.0f}" y="{top_pad - FONT * 0.9:.0f}" text-anchor="middle">{t}</text>'
             f'<path d="M{x(t):.0f} {top_pad - FONT * 0.4:.0f}V{height - FONT * 3.5:.0f}" stroke="#e3e3e3"/>'
             for t in ticks]
    parts.append(f'<text x="{plot_left:.0f}" y="{FONT * 1.1:.0f}" font-weight="600">Rank (1 = most vulnerable)</text>')
    y = top_pad
    for index, ward in enumerate(wards):
        if index == len(rows.top) and rows.movers:
            parts.append(f'<text x="0" y="{y + ROW * 0.9:.0f}" font-weight="600">Wards whose rank moves more '
                         f'than {rows.limit} places between the composite and PCA scores</text>')
            y += gap
        parts.append(_row(ward, y, x))
        y += ROW
    parts.append(_legend(height - FONT * 1.6, bool(rows.movers) or any(w.pca_rank for w in wards)))
    return Markup(f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="Rank spread" '
                  f'font-family="system-ui, sans-serif" font-size="{FONT}"><title>Rank spread</title>'
                  f'{"".join(parts)}</svg>')


def _tick_step(n):
    rough = n / 6
    power = 10 ** math.floor(math.log10(max(rough, 1)))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= rough)


def _row(ward, y, x):
    low, p10, p90, high = ward.spread
    middle = y + ROW / 2
    label = f'{ward.composite_rank}. {ward.name}' + (f' ({ward.lga})' if ward.lga else '')
    shown = label if len(label) <= 40 else label[:39] + '…'
    tip = (f'{label}: composite rank {ward.composite_rank}' +
           (f', ranks {low}–{high} across models (middle 80%: {p10:.0f}–{p90:.0f})' if low is not None else '') +
           (f', PCA rank {ward.pca_rank}' if ward.pca_rank is not None else ''))
    marks = [f'<g><title>{escape(tip)}</title><text x="0" y="{middle + FONT * 0.35:.0f}">{escape(shown)}</text>']
    if low is not None:
        marks.append(f'<path d="M{x(low):.1f} {middle:.0f}H{x(high):.1f}" stroke="{COLOURS["range"]}" '
                     f'stroke-width="{ROW * 0.3:.0f}"/>'
                     f'<path d="M{x(p10):.1f} {middle:.0f}H{max(x(p90), x(p10) + 2):.1f}" '
                     f'stroke="{COLOURS["middle"]}" stroke-width="{ROW * 0.55:.0f}"/>')
    marks.append(f'<circle cx="{x(ward.composite_rank):.1f}" cy="{middle:.0f}" r="{ROW * 0.22:.0f}" '
                 f'fill="{COLOURS["composite"]}"/>')
    if ward.pca_rank is not None:
        cx, r = x(ward.pca_rank), ROW * 0.3
        marks.append(f'<path d="M{cx:.1f} {middle - r:.1f}l{r:.1f} {r:.1f}l{-r:.1f} {r:.1f}l{-r:.1f} {-r:.1f}z" '
                     f'fill="none" stroke="{COLOURS["pca"]}" stroke-width="2"/>')
    return ''.join(marks) + '</g>'


def _legend(y, pca):
    items = [('range', 'all models'), ('middle', 'middle 80% of models'), ('composite', 'composite rank')]
    if pca:
        items.append(('pca', 'PCA rank'))
    parts, x = [], 0
    for key, label in items:
        parts.append(f'<rect x="{x}" y="{y - FONT * 0.8:.0f}" width="{FONT}" height="{FONT}" '
                     f'fill="{COLOURS[key]}"/><text x="{x + FONT * 1.4:.0f}" y="{y:.0f}">{label}</text>')
        x += FONT * 1.4 + len(label) * FONT * 0.56 + FONT * 1.5
    return ''.join(parts)
