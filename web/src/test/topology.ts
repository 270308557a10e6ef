/**
 * A map.topojson as the server writes it (chalicelib/viz/topology.py, 30 steps across): wards
 * Alpha, Beta (LGA One) and Gamma (LGA Two, no data) as three 0.1-degree squares side by side,
 * quantized, delta-encoded, neighbours sharing arcs (-2 is arc 1 backwards); the LGA outlines
 * reuse the wards' arcs; the wards object names each variable, once: its label and unit in the
 * variable dictionary and which way it raised risk.
 */
import type { MapTopology } from '../map/topology';

const ward = (id: string, code: string, name: string, lga: string, arcs: number[], ranks: [number, string, number, string] | null) => ({
  type: 'Polygon' as const,
  arcs: [arcs],
  id,
  properties: {
    ward_code: code,
    ward_name: name,
    lga,
    composite_rank: ranks?.[0] ?? null,
    composite_category: (ranks?.[1] ?? null) as 'High' | 'Low' | null,
    pca_rank: ranks?.[2] ?? null,
    pca_category: (ranks?.[3] ?? null) as 'High' | 'Low' | null,
  },
});

export const TOPOLOGY: MapTopology = {
  type: 'Topology',
  bbox: [6.0, 9.0, 6.3, 9.1],
  transform: { scale: [0.01, 0.01], translate: [6.0, 9.0] },
  objects: {
    wards: {
      type: 'GeometryCollection',
      properties: { variables: { rainfall: { label: 'Rainfall', unit: 'mm', direction: 'direct' } } },
      geometries: [
        ward('w0', 'A', 'Alpha', 'One', [0, 1, 2, 3], [1, 'High', 2, 'Low']),
        ward('w1', 'B', 'Beta', 'One', [4, 5, 6, -2], [2, 'Low', 1, 'High']),
        ward('w2', 'C', 'Gamma', 'Two', [7, -6], null),
      ],
    },
    lgas: {
      type: 'GeometryCollection',
      geometries: [
        { type: 'Polygon', arcs: [[8, 5, 9, 3]], properties: { lga: 'One' } },
        { type: 'Polygon', arcs: [[7, -6]], properties: { lga: 'Two' } },
      ],
    },
  },
  arcs: [
    [[0, 0], [10, 0]],
    [[10, 0], [0, 10]],
    [[10, 10], [-10, 0]],
    [[0, 10], [0, -10]],
    [[10, 0], [10, 0]],
    [[20, 0], [0, 10]],
    [[20, 10], [-10, 0]],
    [[20, 0], [10, 0], [0, 10], [-10, 0]],
    [[0, 0], [20, 0]],
    [[20, 10], [-20, 0]],
  ],
};
