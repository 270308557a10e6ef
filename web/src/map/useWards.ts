/** The analysis's ward shapes and, when it has them, its LGA outlines. */
import type { FeatureCollection, Geometry } from 'geojson';
import type { Analysis } from '../api/client';
import { useArtifactJson } from '../api/queries';
import type { Wards } from './geo';

export function useWards(analysis: Analysis) {
  const hasLgas = analysis.artifacts.includes('lgas.geojson');
  const wards = useArtifactJson<Wards>(analysis.analysis_id, 'wards.geojson');
  const lgas = useArtifactJson<FeatureCollection<Geometry, { lga?: string }>>(analysis.analysis_id, 'lgas.geojson', hasLgas);
  return {
    wards: wards.data,
    // LGA outlines are a nicety: the map is drawn without them when they fail.
    lgas: lgas.data,
    pending: wards.isPending || (hasLgas && lgas.isPending && !lgas.error),
    error: wards.error,
    retry: () => void wards.refetch(),
  };
}
