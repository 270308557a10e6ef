/** Which analysis a screen shows: the one in the URL, else the newest finished one; a list to change it. */
import type { ReactNode } from 'react';
import type { Analysis } from '../api/client';
import { useAnalysis, useChosenAnalysis, useDatasets } from '../api/queries';
import { Loading, Problem } from '../app/feedback';
import { href, useRoute } from '../route';
import { AnalysisProgress } from './AnalysisProgress';

const STATUS_WORDS: Record<Analysis['status'], string> = {
  QUEUED: 'waiting',
  RUNNING: 'running',
  SUCCEEDED: 'finished',
  FAILED: 'failed',
};

/** Renders `children(analysis)` once the chosen analysis has finished; its progress before that. */
export function WithAnalysis({ children }: { children: (analysis: Analysis) => ReactNode }) {
  const [route, navigate] = useRoute();
  const { analysisId, analyses } = useChosenAnalysis(route.analysis);
  const datasets = useDatasets();
  if (analyses.error) return <Problem error={analyses.error} retry={() => void analyses.refetch()} />;
  if (analyses.isPending) return <Loading what="your analyses" />;
  const items = analyses.data.items;
  const chosen = items.find((a) => a.analysis_id === analysisId);
  if (!analysisId) {
    return (
      <p>
        No finished analysis yet. Upload your ward data and run an analysis under{' '}
        <a href={href({ view: 'datasets' })}>your datasets</a>.
      </p>
    );
  }
  const nameOf = (a: Analysis) => datasets.data?.items.find((d) => d.dataset_id === a.dataset_id)?.name ?? 'Dataset';
  return (
    <>
      {items.length > 1 && (
        <label className="picker">
          Analysis
          <select value={analysisId} onChange={(e) => navigate({ analysis: e.target.value })}>
            {!chosen && <option value={analysisId}>The analysis in the link</option>}
            {items.map((a) => (
              <option key={a.analysis_id} value={a.analysis_id}>
                {nameOf(a)} · {new Date(a.created_at).toLocaleString()} · {STATUS_WORDS[a.status]}
              </option>
            ))}
          </select>
        </label>
      )}
      <Chosen analysisId={analysisId}>{children}</Chosen>
    </>
  );
}

function Chosen({ analysisId, children }: { analysisId: string; children: (analysis: Analysis) => ReactNode }) {
  const analysis = useAnalysis(analysisId).data;
  if (analysis?.status === 'SUCCEEDED') return <>{children(analysis)}</>;
  return <AnalysisProgress analysisId={analysisId} />;
}
