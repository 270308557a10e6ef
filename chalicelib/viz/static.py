"""Static vector maps (SVG) drawn on the server: they need no script, no internet, and print.

The report shows them, and every interactive page falls back to them where plotly.js
cannot load. Wards are drawn once per page as `<path>` elements in a hidden `<defs>`
block (`Sheet.defs`); each map then places them with `<use>` and a fill, so a report
with ten maps of 275 wards carries the boundaries a single time.

Coordinates are projected (longitude scaled by the cosine of the middle latitude,
which keeps a Nigerian state's shape and a scale bar true to a few percent) and
rounded to whole units of a 1000-unit-wide drawing: about 0.2 mm on paper. Shared
edges stay shared, since every vertex is rounded the same way wherever it appears.

Every string from a user's file (ward and LGA names, variable names) is escaped.
"""
import math
from dataclasses import dataclass
from html import escape

import numpy as np
import shapely
import shapely.ops
from markupsafe import Markup

WIDTH = 1000           # drawing units across a map
PAD = 12               # blank border around the wards
MAX_ASPECT = 1.3       # a tall state is drawn narrower rather than taller than this
FONT = 17              # legend text at full width (17 units ≈ 11.5 px on an A4 page)
NO_DATA = '#d4d4d4'
WARD_EDGE = '#ffffff'
LGA_EDGE = '#3a3a3a'
NICE_STEPS = (1, 2, 5)
TIP_LIMIT = 2500       # above this many wards a map is read by LGA: no hover text per ward (it would add 1 MB)


def _nice_length(limit):
    """The longest 1, 2 or 5 x 10^k not above `limit` (a scale bar's length in km)."""
    exponent = 10 ** math.floor(math.log10(limit))
    return max(step * exponent for step in NICE_STEPS if step * exponent <= limit)


def _path(coords):
    """One ring as an SVG path: absolute start, then relative integer steps (repeats dropped)."""
    steps = np.diff(coords, axis=0)
    steps = steps[(steps != 0).any(axis=1)]
    if len(steps) < 2:
        return ''
    x, y = coords[0]
    body = ' '.join(f'{dx} {dy}' for dx, dy in steps[:-1].tolist()).replace(' -', '-')
    return f'M{x} {y}l{body}z'


@dataclass(frozen=True)
class Canvas:
    """Longitude/latitude to drawing units for one set of wards."""
    lon0: float
    lat0: float
    scale: float        # drawing units per degree of latitude
    kx: float           # cos(middle latitude)
    width: int
    height: int

    @classmethod
    def fit(cls, geometries):
        xmin, ymin, xmax, ymax = shapely.total_bounds(np.asarray(geometries, dtype=object))
        kx = math.cos(math.radians((ymin + ymax) / 2))
        span_x, span_y = max((xmax - xmin) * kx, 1e-9), max(ymax - ymin, 1e-9)
        scale = min((WIDTH - 2 * PAD) / span_x, (WIDTH * MAX_ASPECT - 2 * PAD) / span_y)
        left = PAD + (WIDTH - 2 * PAD - span_x * scale) / 2  # a narrow state sits in the middle
        return cls(lon0=xmin - left / (scale * kx), lat0=ymax + PAD / scale, scale=scale, kx=kx,
                   width=WIDTH, height=int(math.ceil(span_y * scale + 2 * PAD)))

    def project(self, coords):
        """Drawing units (integers) of an (n, 2) array of lon/lat."""
        x = (coords[:, 0] - self.lon0) * self.kx * self.scale
        y = (self.lat0 - coords[:, 1]) * self.scale
        return np.rint(np.column_stack([x, y])).astype(np.int64)

    def paths(self, geometries):
        """The `d` attribute of each polygon or multipolygon, every coordinate projected at once."""
        parts, part_of = shapely.get_parts(np.asarray(geometries, dtype=object), return_index=True)
        rings, ring_of = shapely.get_rings(parts, return_index=True)
        coords, coord_of = shapely.get_coordinates(rings, return_index=True)
        projected = self.project(coords)
        starts = np.searchsorted(coord_of, np.arange(len(rings) + 1))
        owner = part_of[ring_of]
        out = [[] for _ in geometries]
        for ring, (start, end) in enumerate(zip(starts[:-1], starts[1:])):
            out[owner[ring]].append(_path(projected[start:end]))
        return [''.join(d) for d in out]

    def unproject(self, x, y):
        """Longitude and latitude of a point in drawing units."""
        return self.lon0 + x / (self.kx * self.scale), self.lat0 - y / self.scale

    @property
    def km_per_unit(self):
        return 111.32 / self.scale


@dataclass(frozen=True)
class Layer:
    """What one map shows: a fill and a hover text per ward key, and the legend."""
    title: str
    fills: dict         # ward key -> colour; keys without one are drawn as NO_DATA
    tips: dict          # ward key -> hover text (plain; escaped when drawn)
    legend: tuple       # (colour, label) in legend order
    note: str = ''      # one line under the legend


class Sheet:
    """The wards and LGAs of one analysis, projected once: the shared defs and every map on them.

    Ward elements are named by position (`m` and the index in base 36: `m7ga`), the
    shortest id that a national map of 9,400 wards can repeat in every `<use>`;
    `prefix` keeps the ids of two sheets on one page apart.
    """

    def __init__(self, keys, geometries, outlines, prefix='m'):
        """`keys` and `geometries`: the display wards in map order; `outlines`: [(LGA, geometry)]."""
        self.keys = list(keys)
        self.prefix = prefix
        self.ids = {key: f'{prefix}{np.base_repr(i, 36).lower()}' for i, key in enumerate(self.keys)}
        self.canvas = Canvas.fit(geometries) if self.keys else None
        self.paths = self.canvas.paths(geometries) if self.keys else []
        self.outlines = outlines
        self.lga_path = ''.join(self.canvas.paths([g for _, g in outlines])) if outlines and self.canvas else ''
        self.lga_labels = self._place_labels() if self.canvas else []

    def __bool__(self):
        return bool(self.keys)

    def lga_names(self):
        """[(LGA, longitude, latitude)] where the static maps write each LGA's name."""
        return [(name, *self.canvas.unproject(x, y)) for name, x, y, _ in self.lga_labels]

    def _id(self, key):
        return self.ids[key]

    def _place_labels(self):
        """[(LGA, x, y, font size)]: each name inside its LGA (the pole of inaccessibility of its
        largest part), smaller for a small LGA, moved up or down a line when it would cover a
        name already placed (largest LGAs first)."""
        placed, boxes = [], []
        areas = {name: geometry.area for name, geometry in self.outlines}
        biggest = max(areas.values(), default=0) or 1
        for name, geometry in sorted(self.outlines, key=lambda item: -areas[item[0]]):
            largest = max(shapely.get_parts(geometry), key=lambda part: part.area)
            projected = shapely.transform(largest, lambda c: self.canvas.project(c).astype(float))
            point = shapely.ops.polylabel(projected, tolerance=2) if projected.area > 0 else projected.centroid
            size = FONT * min(1.0, max(0.7, math.sqrt(areas[name] / biggest) * 2.5))
            half_width, half_height = len(name) * size * 0.3, size * 0.6
            for dy in (0, -1.2 * size, 1.2 * size, -2.4 * size, 2.4 * size, 0):
                box = (point.x - half_width, point.y + dy - half_height, point.x + half_width,
                       point.y + dy + half_height)
                if not any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in boxes):
                    break
            boxes.append(box)
            placed.append((name, round(point.x), round(point.y + dy), round(size)))
        return placed

    def defs(self):
        """The hidden block of ward paths, LGA outlines and names every map on the page uses."""
        if not self:
            return Markup('')
        wards = ''.join(f'<path id="{self._id(key)}" d="{d}"/>' for key, d in zip(self.keys, self.paths))
        names = ''.join(f'<text x="{x}" y="{y}" font-size="{size}">{escape(name)}</text>'
                        for name, x, y, size in self.lga_labels)
        return Markup(
            '<svg class="map-defs" width="0" height="0" aria-hidden="true" style="position:absolute">'
            f'<defs>{wards}<path id="{self.prefix}-lgas" d="{self.lga_path}" fill="none" stroke="{LGA_EDGE}" '
            f'stroke-width="1.6" stroke-linejoin="round"/>'
            f'<g id="{self.prefix}-lga-names" font-weight="600" text-anchor="middle" '
            f'dominant-baseline="middle" fill="#222" stroke="#fff" stroke-width="4" paint-order="stroke" '
            f'stroke-linejoin="round">{names}</g></defs></svg>')

    def map(self, layer, small=False):
        """One map as an inline `<svg>`: wards filled, LGA outlines, north arrow, scale bar and
        legend under the wards; at full size also LGA names and a hover text per ward (up to TIP_LIMIT wards)."""
        text = FONT * (1.9 if small else 1.0)
        legend, legend_height = self._legend(layer, text)
        height = self.canvas.height + legend_height
        by_fill = {}
        tips = not small and len(self.keys) <= TIP_LIMIT
        for key in self.keys:
            tip = f'<title>{escape(layer.tips[key])}</title>' if tips and key in layer.tips else ''
            by_fill.setdefault(layer.fills.get(key, NO_DATA), []).append(f'<use href="#{self._id(key)}">{tip}</use>'
                                                                         if tip else f'<use href="#{self._id(key)}"/>')
        wards = ''.join(f'<g fill="{fill}">{"".join(uses)}</g>' for fill, uses in by_fill.items())
        names = '' if small else f'<use href="#{self.prefix}-lga-names"/>'
        return Markup(
            f'<svg class="map{" small" if small else ""}" viewBox="0 0 {self.canvas.width} {height}" '
            f'role="img" aria-label="{escape(layer.title)}" font-family="system-ui, sans-serif">'
            f'<title>{escape(layer.title)}</title>'
            f'<g stroke="{WARD_EDGE}" stroke-width="{1.2 if small else 0.8}" stroke-linejoin="round">{wards}</g>'
            f'<use href="#{self.prefix}-lgas"/>{names}{self._north(text)}{self._scale_bar(text)}{legend}</svg>')

    def _north(self, text):
        x, y, size = self.canvas.width - PAD - text * 1.2, PAD + text * 0.6, text * 1.6
        return (f'<g class="north" aria-label="north"><path d="M{x:.0f} {y:.0f}l{size / 2:.0f} {size * 1.6:.0f}'
                f'l{-size / 2:.0f} {-size / 2.5:.0f}l{-size / 2:.0f} {size / 2.5:.0f}z" fill="#222"/>'
                f'<text x="{x:.0f}" y="{y + size * 1.6 + text:.0f}" font-size="{text:.0f}" text-anchor="middle" '
                f'font-weight="700">N</text></g>')

    def _scale_bar(self, text):
        km = _nice_length(self.canvas.width / 4 * self.canvas.km_per_unit)
        length = km / self.canvas.km_per_unit
        x, y = PAD, self.canvas.height - PAD
        label = f'{km:g} km'
        return (f'<g class="scale-bar"><path d="M{x} {y - 6:.0f}v6h{length:.0f}v-6" fill="none" stroke="#222" '
                f'stroke-width="2.5"/><text x="{x + length + 6:.0f}" y="{y:.0f}" font-size="{text:.0f}" '
                f'stroke="#fff" stroke-width="4" paint-order="stroke">{label}</text></g>')

    def _legend(self, layer, text):
        """Swatches and labels in rows under the map; (markup, height)."""
        row_height, swatch = text * 1.6, text * 1.1
        x, y = PAD, self.canvas.height + text * 0.6
        items = []
        for colour, label in layer.legend:
            width = swatch + text * 0.4 + len(label) * text * 0.56 + text * 1.2
            if x + width > self.canvas.width - PAD and x > PAD:
                x, y = PAD, y + row_height
            items.append(f'<rect x="{x:.0f}" y="{y:.0f}" width="{swatch:.0f}" height="{swatch:.0f}" '
                         f'fill="{colour}" stroke="#888" stroke-width="1"/>'
                         f'<text x="{x + swatch + text * 0.4:.0f}" y="{y + swatch * 0.85:.0f}" '
                         f'font-size="{text:.0f}">{escape(label)}</text>')
            x += width
        y += row_height
        if layer.note:
            items.append(f'<text x="{PAD}" y="{y + text * 0.7:.0f}" font-size="{text * 0.85:.0f}" '
                         f'fill="#444">{escape(layer.note)}</text>')
            y += row_height
        return f'<g class="legend">{"".join(items)}</g>', int(math.ceil(y - self.canvas.height + text * 0.3))
