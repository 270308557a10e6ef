/** map.topojson (the analysis's wards and LGA outlines as one small TopoJSON Topology) as the features the maps draw. */
import { feature } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import type { Dictionary, Direction, Lgas, WardProperties, Wards } from './geo';

/**
 * The wards object's own properties, once for all wards: each variable's label, unit and direction
 * (`variables`); a file written before labels travelled carries only the directions.
 */
type WardsOwn = { variables?: Dictionary; directions?: Record<string, Direction> };

export type MapTopology = Topology<{
  wards: GeometryCollection<WardProperties> & { properties?: WardsOwn };
  lgas?: GeometryCollection<{ lga?: string }>;
}>;

export interface MapShapes {
  wards: Wards;
  lgas?: Lgas;
  /** Absent for an analysis made before map.topojson carried it. */
  dictionary?: Dictionary;
}

/** The variables as the file names them; an older file's directions with the column names as labels. */
function dictionaryOf(own: WardsOwn | undefined): Dictionary | undefined {
  if (own?.variables || !own?.directions) return own?.variables;
  return Object.fromEntries(Object.entries(own.directions).map(([name, direction]) => [name, { label: name, unit: '', direction }]));
}

/** The ward shapes (with their names and categories), the LGA outlines (rings as the file winds them) and the variables. */
export function shapesOf(topology: MapTopology): MapShapes {
  const { wards, lgas } = topology.objects;
  return { wards: feature(topology, wards), lgas: lgas && feature(topology, lgas), dictionary: dictionaryOf(wards.properties) };
}
