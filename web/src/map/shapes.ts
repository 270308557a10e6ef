/** The analysis's ward shapes and, when it has them, its LGA outlines. */
import type { FeatureCollection, Geometry } from 'geojson';
import type { QueryClient } from '@tanstack/react-query';
import type { Analysis, Api } from '../api/client';
import { rankingsQuery, useArtifactJson } from '../api/queries';
import type { Wards } from './geo';
import { loadMaps } from './lazy';

type Lgas = FeatureCollection<Geometry, { lga?: string }>;

/**
 * What every result screen needs, fetched the moment an analysis finishes: its ranking and the
 * map code. The ward shapes (over half a megabyte for a state) wait until a map is shown, as
 * the links users are on are metered.
 */
export function prefetchResults(client: QueryClient, api: Api, analysis: Analysis) {
  void loadMaps().catch(() => undefined);
  void client.prefetchQuery(rankingsQuery(api, analysis.analysis_id));
}

export function useWards(analysis: Analysis) {
  const hasLgas = analysis.artifacts.includes('lgas.geojson');
  const wards = useArtifactJson<Wards>(analysis.analysis_id, 'wards.geojson');
  // The outlines come after the wards, which are drawn first with the whole of a slow link to
  // themselves; the map is drawn without outlines when they fail.
  const lgas = useArtifactJson<Lgas>(analysis.analysis_id, 'lgas.geojson', hasLgas && !!wards.data);
  return {
    wards: wards.data,
    lgas: lgas.data,
    pending: wards.isPending,
    error: wards.error,
    retry: () => void wards.refetch(),
  };
}
