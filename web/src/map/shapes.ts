/** The analysis's ward shapes and LGA outlines (map.topojson), and its wards with their values (wards.geojson). */
import { useQuery, type QueryClient } from '@tanstack/react-query';
import type { Api } from '../api/client';
import { ApiError } from '../api/errors';
import { fetchArtifact, keys, rankingsQuery, useArtifactJson } from '../api/queries';
import { useServices } from '../app/context';
import type { Lgas, Wards } from './geo';
import { loadMaps } from './lazy';
import type { MapShapes, MapTopology } from './topology';

const MAP_FILE = 'map.topojson';

/** A file the analysis does not have is null; any other failure stays one. */
const missing = (error: unknown) => {
  if (error instanceof ApiError && error.status === 404) return null;
  throw error;
};

/**
 * The shapes every map draws, decoded by the map chunk (fetched alongside). map.topojson is a
 * few tens of KB; an analysis made before it existed has its shapes in wards.geojson and
 * lgas.geojson (the map is drawn without outlines when those fail).
 */
function mapQuery(api: Api, analysisId: string) {
  const json = async <T>(name: string) => (await fetchArtifact(api, analysisId, name)).json() as Promise<T>;
  return {
    queryKey: keys.geojson(analysisId, MAP_FILE),
    staleTime: Infinity,
    queryFn: async (): Promise<MapShapes> => {
      const [maps, topology] = await Promise.all([loadMaps(), json<MapTopology>(MAP_FILE).catch(missing)]);
      if (topology) return maps.shapesOf(topology);
      const wards = await json<Wards>('wards.geojson');
      return { wards, lgas: await json<Lgas>('lgas.geojson').catch(() => undefined) };
    },
  };
}

/**
 * What the result screens need, fetched the moment an analysis finishes (the live status says
 * so before the files are listed): the map code and the map's shapes (small, so opening Map
 * draws at once), then the ranking, which would otherwise share a slow link with them.
 */
export function prefetchResults(client: QueryClient, api: Api, analysisId: string) {
  void client.prefetchQuery(mapQuery(api, analysisId)).then(() => client.prefetchQuery(rankingsQuery(api, analysisId)));
}

/** The ward shapes (names, categories and ranks, no values), LGA outlines and the variables' names and directions every map draws with. */
export function useMapShapes(analysisId: string) {
  const { api } = useServices();
  const shapes = useQuery(mapQuery(api, analysisId));
  return {
    wards: shapes.data?.wards,
    lgas: shapes.data?.lgas,
    dictionary: shapes.data?.dictionary,
    error: shapes.error,
    retry: () => void shapes.refetch(),
  };
}

/** The wards with each variable's values (half a megabyte for a state): only for a variable map on screen. */
export function useWardValues(analysisId: string, enabled = true) {
  const values = useArtifactJson<Wards>(analysisId, 'wards.geojson', enabled);
  return { wards: values.data, error: values.error, retry: () => void values.refetch() };
}
