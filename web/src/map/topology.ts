/** map.topojson (the analysis's wards and LGA outlines as one small TopoJSON Topology) as the features the maps draw. */
import { feature } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import type { Lgas, WardProperties, Wards } from './geo';

export type MapTopology = Topology<{ wards: GeometryCollection<WardProperties>; lgas?: GeometryCollection<{ lga?: string }> }>;

/** The ward shapes (with their names and categories) and the LGA outlines, rings as the file winds them. */
export function shapesOf(topology: MapTopology): { wards: Wards; lgas?: Lgas } {
  const { wards, lgas } = topology.objects;
  return { wards: feature(topology, wards), lgas: lgas && feature(topology, lgas) };
}
