/** Map: the vulnerability map of the chosen analysis and, when opened, its variable maps. */
import { Suspense, useState } from 'react';
import { WithAnalysis } from '../analyses/AnalysisPicker';
import type { Analysis } from '../api/client';
import { Loading, Problem } from '../app/feedback';
import type { Method } from '../results/rankings';
import type { Dictionary, Lgas } from './geo';
import { VariableMap, VulnerabilityMap } from './lazy';
import { useMapShapes, useWardValues } from './shapes';

export default function MapView() {
  return (
    <div className="map-view">
      <h1>Map</h1>
      <WithAnalysis>{(analysis) => <Maps analysis={analysis} />}</WithAnalysis>
    </div>
  );
}

function Maps({ analysis }: { analysis: Analysis }) {
  const { wards, lgas, dictionary, error, retry } = useMapShapes(analysis.analysis_id);
  const both = analysis.request.method === 'both';
  const [method, setMethod] = useState<Method>(analysis.request.method === 'pca' ? 'pca' : 'composite');
  const [variables, setVariables] = useState(false);
  if (error) return <Problem error={error} retry={retry} />;
  if (!wards) return <Loading what="the ward shapes" />;
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
      <VulnerabilityMap wards={wards} lgas={lgas} method={method} />
      <details className="variable-maps" onToggle={(e) => setVariables(e.currentTarget.open)}>
        <summary>Variable maps</summary>
        {variables && <VariableMaps analysis={analysis} lgas={lgas} dictionary={dictionary} />}
      </details>
    </Suspense>
  );
}

/** The wards' values are fetched only when someone opens the variable maps (half a megabyte for a state). */
function VariableMaps({ analysis, lgas, dictionary }: { analysis: Analysis; lgas?: Lgas; dictionary?: Dictionary }) {
  const { wards, error, retry } = useWardValues(analysis.analysis_id);
  if (error) return <Problem error={error} retry={retry} />;
  if (!wards) return <Loading what="the ward values" />;
  return <VariableMap wards={wards} lgas={lgas} dictionary={dictionary} />;
}
