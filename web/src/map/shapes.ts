/** The analysis's ward shapes and LGA outlines (map.topojson), and its wards with their values (wards.geojson). */
import { useQuery, type QueryClient } from '@tanstack/react-query';
import type { Analysis, Api } from '../api/client';
import { fetchArtifact, keys, rankingsQuery, useArtifactJson } from '../api/queries';
import { useServices } from '../app/context';
import type { Lgas, Wards } from './geo';
import { loadMaps } from './lazy';
import type { MapTopology } from './topology';

const MAP_FILE = 'map.topojson';

/**
 * The shapes every map draws, decoded by the map chunk (fetched alongside). map.topojson is a
 * few tens of KB; an analysis made before it existed has its shapes in wards.geojson and lgas.geojson.
 */
function mapQuery(api: Api, analysis: Analysis) {
  const id = analysis.analysis_id;
  const json = async <T>(name: string) => (await fetchArtifact(api, id, name)).json() as Promise<T>;
  return {
    queryKey: keys.geojson(id, MAP_FILE),
    staleTime: Infinity,
    queryFn: async (): Promise<{ wards: Wards; lgas?: Lgas }> => {
      if (!analysis.artifacts.includes(MAP_FILE)) {
        const wards = await json<Wards>('wards.geojson');
        const lgas = analysis.artifacts.includes('lgas.geojson') ? await json<Lgas>('lgas.geojson').catch(() => undefined) : undefined;
        return { wards, lgas }; // drawn without outlines when they fail
      }
      const [topology, maps] = await Promise.all([json<MapTopology>(MAP_FILE), loadMaps()]);
      return maps.shapesOf(topology);
    },
  };
}

/**
 * What the result screens need, fetched the moment an analysis finishes: the map code and the
 * map's shapes (small, so opening Map draws at once), then the ranking, which would otherwise
 * share a slow link with them.
 */
export function prefetchResults(client: QueryClient, api: Api, analysis: Analysis) {
  void client.prefetchQuery(mapQuery(api, analysis)).then(() => client.prefetchQuery(rankingsQuery(api, analysis.analysis_id)));
}

/** The ward shapes (names, categories and ranks, no values) and LGA outlines every map draws. */
export function useMapShapes(analysis: Analysis) {
  const { api } = useServices();
  const shapes = useQuery(mapQuery(api, analysis));
  return {
    wards: shapes.data?.wards,
    lgas: shapes.data?.lgas,
    error: shapes.error,
    retry: () => void shapes.refetch(),
  };
}

/** The wards with each variable's values (half a megabyte for a state): only for a variable map on screen. */
export function useWardValues(analysis: Analysis, enabled = true) {
  const values = useArtifactJson<Wards>(analysis.analysis_id, 'wards.geojson', enabled);
  return { wards: values.data, error: values.error, retry: () => void values.refetch() };
}
