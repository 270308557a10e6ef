/** Map: the vulnerability map of the chosen analysis and its variable maps. */
import { Suspense, useState } from 'react';
import { WithAnalysis } from '../analyses/AnalysisPicker';
import type { Analysis } from '../api/client';
import { useRankings } from '../api/queries';
import { Loading, Problem } from '../app/feedback';
import type { Method } from '../results/rankings';
import { VariableMap, VulnerabilityMap } from './lazy';
import { useWards } from './useWards';

export default function MapView() {
  return (
    <div className="map-view">
      <h1>Map</h1>
      <WithAnalysis>{(analysis) => <Maps analysis={analysis} />}</WithAnalysis>
    </div>
  );
}

function Maps({ analysis }: { analysis: Analysis }) {
  const { wards, lgas, pending, error, retry } = useWards(analysis);
  const rankings = useRankings(analysis.analysis_id);
  const both = analysis.request.method === 'both';
  const [method, setMethod] = useState<Method>(analysis.request.method === 'pca' ? 'pca' : 'composite');
  if (error) return <Problem error={error} retry={retry} />;
  if (pending || !wards) return <Loading what="the ward shapes" />;
  return (
    <Suspense fallback={<Loading what="the map" />}>
      {both && (
        <label className="picker">
          Ranking shown
          <select value={method} onChange={(e) => setMethod(e.target.value as Method)}>
            <option value="composite">Composite score</option>
            <option value="pca">PCA</option>
          </select>
        </label>
      )}
      <VulnerabilityMap wards={wards} lgas={lgas} rankings={rankings.data} method={method} />
      <h2>Variable maps</h2>
      <VariableMap wards={wards} lgas={lgas} />
    </Suspense>
  );
}
