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

export const SEQUENTIAL = ['#f2f0f7', '#cbc9e2', '#9e9ac8', '#756bb1', '#54278f'];

/** Up to five classes of equal ward counts (quantiles) over the values present. */
export function quantileBreaks(values: number[], classes = SEQUENTIAL.length): number[] {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (!sorted.length) return [];
  const breaks: number[] = [];
  for (let i = 1; i < classes; i++) {
    const value = sorted[Math.min(sorted.length - 1, Math.floor((i * sorted.length) / classes))];
    if (!breaks.length || value > breaks[breaks.length - 1]) breaks.push(value);
  }
  return breaks.filter((b) => b > sorted[0]);
}

/** The class of a value: how many breaks it reaches. */
export const classOf = (value: number, breaks: number[]) => breaks.filter((b) => value >= b).length;

export function formatNumber(value: number): string {
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString();
  return Number(value.toPrecision(3)).toString();
}

export function rangeLegend(values: number[], breaks: number[], palette = SEQUENTIAL, unit = ''): LegendItem[] {
  const finite = values.filter(Number.isFinite);
  if (!finite.length) return [];
  const min = Math.min(...finite);
  const max = Math.max(...finite);
  const edges = [min, ...breaks, max];
  return edges.slice(0, -1).map((low, i) => ({
    color: palette[Math.round((i * (palette.length - 1)) / Math.max(1, edges.length - 2))],
    label: `${formatNumber(low)}${unit} to ${i === edges.length - 2 ? '' : 'under '}${formatNumber(edges[i + 1])}${unit}`,
  }));
}

/** The colour of a value among the classes of rangeLegend (same palette spread). */
export function rangeColor(value: number, breaks: number[], palette = SEQUENTIAL): string {
  const index = classOf(value, breaks);
  return palette[Math.round((index * (palette.length - 1)) / Math.max(1, breaks.length))];
}
