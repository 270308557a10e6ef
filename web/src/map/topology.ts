/** map.topojson (the analysis's wards and LGA outlines as one small TopoJSON Topology) as the features the maps draw. */
import { feature } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import type { Direction, Lgas, WardProperties, Wards } from './geo';

/** variable -> which way raised its risk in the analysis: the wards object's own properties, once for all wards. */
export type Directions = Record<string, Direction>;

export type MapTopology = Topology<{
  wards: GeometryCollection<WardProperties> & { properties?: { directions?: Directions } };
  lgas?: GeometryCollection<{ lga?: string }>;
}>;

export interface MapShapes {
  wards: Wards;
  lgas?: Lgas;
  /** Absent for an analysis made before map.topojson carried them. */
  directions?: Directions;
}

/** The ward shapes (with their names and categories), the LGA outlines (rings as the file winds them) and the directions. */
export function shapesOf(topology: MapTopology): MapShapes {
  const { wards, lgas } = topology.objects;
  return { wards: feature(topology, wards), lgas: lgas && feature(topology, lgas), directions: wards.properties?.directions };
}
