/** The analysis's ward shapes and, when it has them, its LGA outlines. */
import type { FeatureCollection, Geometry } from 'geojson';
import type { QueryClient } from '@tanstack/react-query';
import type { Analysis, Api } from '../api/client';
import { artifactJsonQuery, rankingsQuery, useArtifactJson } from '../api/queries';
import type { Wards } from './geo';
import { loadMaps } from './lazy';

type Lgas = FeatureCollection<Geometry, { lga?: string }>;

/**
 * Everything the map of a finished analysis needs, fetched the moment it finishes (whatever
 * screen is open): on a slow link the map is then drawn as soon as the person opens it.
 */
export function prefetchMap(client: QueryClient, api: Api, analysis: Analysis) {
  void loadMaps().catch(() => undefined);
  void client.prefetchQuery(rankingsQuery(api, analysis.analysis_id));
  void client.prefetchQuery(artifactJsonQuery<Wards>(api, analysis.analysis_id, 'wards.geojson'));
  if (analysis.artifacts.includes('lgas.geojson')) {
    void client.prefetchQuery(artifactJsonQuery<Lgas>(api, analysis.analysis_id, 'lgas.geojson'));
  }
}

export function useWards(analysis: Analysis) {
  const hasLgas = analysis.artifacts.includes('lgas.geojson');
  const wards = useArtifactJson<Wards>(analysis.analysis_id, 'wards.geojson');
  const lgas = useArtifactJson<Lgas>(analysis.analysis_id, 'lgas.geojson', hasLgas);
  return {
    wards: wards.data,
    // LGA outlines are a nicety: the map is drawn without them when they fail.
    lgas: lgas.data,
    pending: wards.isPending || (hasLgas && lgas.isPending && !lgas.error),
    error: wards.error,
    retry: () => void wards.refetch(),
  };
}
