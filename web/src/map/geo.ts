/** Pure helpers of the maps: geometry winding for d3, joining wards to their rows, colour classes. */
import type { Feature, FeatureCollection, Geometry, MultiPolygon, Polygon, Position } from 'geojson';
import type { Category } from '../api/client';

export type WardProperties = {
  ward_code?: string | null;
  ward_name?: string | null;
  lga?: string | null;
  composite_category?: Category | null;
  composite_rank?: number | null;
  pca_category?: Category | null;
  pca_rank?: number | null;
  values?: Record<string, number | null>;
  /** The variables whose value was missing in the data and filled in for scoring. */
  imputed?: string[] | null;
  [key: string]: unknown;
};
export type WardFeature = Feature<Geometry, WardProperties>;
export type Wards = FeatureCollection<Geometry, WardProperties>;
export type Lgas = FeatureCollection<Geometry, { lga?: string }>;

/** Twice the signed planar area of a ring (lon/lat): positive when counter-clockwise. */
export function ringArea(ring: Position[]): number {
  let sum = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    sum += (ring[i][0] - ring[j][0]) * (ring[i][1] + ring[j][1]);
  }
  return -sum;
}

function rewindPolygon(rings: Position[][]): Position[][] {
  // d3-geo reads spherical polygons: the outer ring clockwise, holes counter-clockwise (the
  // opposite of GeoJSON's right-hand rule); a ring the wrong way round would fill the globe.
  return rings.map((ring, i) => {
    const clockwise = ringArea(ring) < 0;
    return (i === 0) === clockwise ? ring : [...ring].reverse();
  });
}

export function rewind<G extends Geometry>(geometry: G): G {
  if (geometry.type === 'Polygon') {
    return { ...geometry, coordinates: rewindPolygon((geometry as Polygon).coordinates) };
  }
  if (geometry.type === 'MultiPolygon') {
    return { ...geometry, coordinates: (geometry as MultiPolygon).coordinates.map(rewindPolygon) };
  }
  return geometry;
}

export function rewindAll<P>(collection: FeatureCollection<Geometry, P>): FeatureCollection<Geometry, P> {
  return {
    ...collection,
    features: collection.features.filter((f) => f.geometry).map((f) => ({ ...f, geometry: rewind(f.geometry) })),
  };
}

const plain = (text: string | null | undefined) => (text ?? '').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');

/** The key a ward is joined on: its code, else its LGA and name (names repeat across LGAs). */
export function wardKey(row: { ward_code?: string | null; ward_name?: string | null; lga?: string | null }): string {
  return row.ward_code ? `code:${row.ward_code}` : `name:${plain(row.lga)}|${plain(row.ward_name)}`;
}

export interface LegendItem {
  color: string;
  label: string;
}

export const NO_DATA = '#d4d4d4';
export const CATEGORY_COLORS: Record<Category, string> = { High: '#d7301f', Medium: '#fc8d59', Low: '#fdd49e' };

export interface CategoryStats {
  count: number;
  /** The best and worst rank among the wards of the category. */
  first: number;
  last: number;
}

const MEANING: Record<Category, string> = {
  High: 'the third of wards most at risk; reach these first',
  Medium: 'the middle third',
  Low: 'the third of wards least at risk',
};

/** A legend a non-specialist reads: what each colour means, which ranks and how many wards. */
export function categoryLegend(stats: Partial<Record<Category, CategoryStats>>, noData = 0): LegendItem[] {
  const items: LegendItem[] = (['High', 'Medium', 'Low'] as const).map((category) => {
    const s = stats[category];
    const ranks = s ? (s.first === s.last ? `rank ${s.first}` : `ranks ${s.first}–${s.last}`) : 'no ward';
    const count = s?.count ?? 0;
    return {
      color: CATEGORY_COLORS[category],
      label: `${category} risk (${ranks}): ${MEANING[category]} — ${count} ${count === 1 ? 'ward' : 'wards'}`,
    };
  });
  return noData ? [...items, { color: NO_DATA, label: `No data for this ward — ${noData}` }] : items;
}

/** The server's variable-map colours (chalicelib/viz/layers.py RISK_COLOURS), lowest to highest risk. */
export const RISK_COLORS = ['#ffffb2', '#fecc5c', '#fd8d3c', '#f03b20', '#bd0026'];

/** Which way raised a variable's malaria risk in the analysis (map.topojson); null: not a risk factor by itself. */
export type Direction = 'direct' | 'inverse' | null;

/** A variable as the server's maps and the report name it (chalicelib/viz/dictionary.py) and the direction the analysis used. */
export interface VariableEntry {
  label: string;
  unit: string;
  direction: Direction;
}

/** column name -> its entry (map.topojson's wards carry it once). */
export type Dictionary = Record<string, VariableEntry>;

/** The label with its unit, for a legend or a map's name (dictionary.py `Entry.heading`). */
export const heading = ({ label, unit }: { label: string; unit: string }) => (unit ? `${label} (${unit})` : label);

/** Python's round (a half goes to the even neighbour), which the server's class rule uses. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 ? r - 1 : r;
}

const ascending = (values: Iterable<number>) => [...values].sort((a, b) => a - b);

/**
 * The classes (low, high) of the server's variable maps and report (chalicelib/viz/layers.py
 * `_classes`, ported exactly so the screen and the print agree): each distinct value when there are
 * few, else quantiles.
 */
export function riskClasses(values: number[], count = RISK_COLORS.length): [number, number][] {
  const distinct = ascending(new Set(values));
  if (distinct.length <= count) return distinct.map((v) => [v, v]);
  const ordered = ascending(values);
  const last = ordered.length - 1;
  const cuts = Array.from({ length: count }, (_, i) => ordered[Math.min(last, roundHalfEven((i * ordered.length) / count))]);
  const edges = ascending(new Set([...cuts, ordered[last]]));
  return edges.slice(1).map((high, i) => [edges[i], high]);
}

/**
 * `value` to `digits` significant digits, as d.dde±x: a half (exact in binary, as 10.25) goes to the
 * even digit, as Python rounds, where JavaScript rounds it away from zero. A double that is not
 * exactly a half differs from one within 17 more digits, so those tell a half.
 */
function exponential(value: number, digits: number): string {
  const [mantissa, exponent] = value.toExponential(digits + 16).split('e');
  const kept = mantissa.slice(0, -17);
  const half = /^50*$/.test(mantissa.slice(-17));
  return half && Number(kept.at(-1)) % 2 === 0 ? `${kept}e${exponent}` : value.toExponential(digits - 1);
}

/** Python's exponent: at least two digits (1.23e-04). */
const pythonExponent = (text: string) => text.replace(/e([+-])(\d)$/, 'e$10$2');

/**
 * A measured value as the server's maps and report write it (chalicelib/viz/formats.py `quantity`):
 * three significant digits, thousands separated (2,433; 0.0396; 29.1); below a thousandth, scientific.
 */
export function formatNumber(value: number): string {
  if (value === 0 || Math.abs(value) >= 1000) return roundHalfEven(value).toLocaleString('en-US');
  if (Math.abs(value) < 0.001) return pythonExponent(exponential(value, 3));
  const rounded = exponential(value, 3);
  if (Math.abs(Number(rounded)) < 1000) return String(Number(rounded));
  // Python's %g writes a value that rounds to 1,000 with an exponent, its zeros dropped (1e+03)
  return pythonExponent(rounded.replace(/\.?0+e/, 'e'));
}

export interface RiskScale {
  color: (value: number) => string;
  legend: LegendItem[];
}

/**
 * Colours by risk, as the server's: the classes take the darkest colours, darker = riskier, so an
 * inverse variable's lowest values are the darkest. The legend lists the classes from the lowest value.
 */
export function riskScale(values: number[], direction?: Direction): RiskScale {
  const classes = riskClasses(values);
  const palette = classes.length ? RISK_COLORS.slice(-classes.length) : [];
  if (direction === 'inverse') palette.reverse();
  const classOf = (value: number) => classes.reduce((found, [low], i) => (value >= low ? i : found), 0);
  return {
    color: (value) => palette[classOf(value)],
    legend: classes.map(([low, high], i) => ({
      color: palette[i],
      label: low === high ? formatNumber(low) : `${formatNumber(low)}–${formatNumber(high)}`,
    })),
  };
}

const RISK_TEXT: Record<'direct' | 'inverse', string> = {
  direct: 'higher value, higher risk',
  inverse: 'lower value, higher risk',
};

/** What the colours of a variable map (`name`: its heading) mean, in the server's words (chalicelib/viz/dictionary.py risk_text). */
export function riskTitle(name: string, direction?: Direction): string {
  if (direction) return `${name}: darker = higher malaria risk (${RISK_TEXT[direction]})`;
  return `${name}: darker = higher value${direction === null ? ' (not a risk factor by itself)' : ''}`;
}
