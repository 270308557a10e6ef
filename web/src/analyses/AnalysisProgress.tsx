/** An analysis's live progress (from the WebSocket, with REST catch-up), and how it ended. */
import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import type { Analysis } from '../api/client';
import { isTerminal, useAnalysis } from '../api/queries';
import { Loading, Problem } from '../app/feedback';
import { useServices } from '../app/context';
import { useAnalysisLive, useChannelState } from '../live/hooks';
import { prefetchResults } from '../map/shapes';
import { href } from '../route';

const STAGE_WORDS: Record<string, string> = {
  prepare: 'Loading the ward data',
  score: 'Scoring and ranking the wards',
  publish: 'Saving the rankings',
  draw: 'Drawing the maps',
  report: 'Writing the report',
};

export function stageText(analysis: Analysis & { message?: string }): string {
  if (analysis.status === 'QUEUED') return 'Waiting for its turn';
  return analysis.message ?? (analysis.stage ? (STAGE_WORDS[analysis.stage] ?? analysis.stage) : 'Starting');
}

export function AnalysisProgress({ analysisId }: { analysisId: string }) {
  const channel = useChannelState();
  const query = useAnalysis(analysisId, channel === 'open');
  const analysis = query.data;
  useAnalysisLive(analysisId, isTerminal(analysis));
  const { api } = useServices();
  const client = useQueryClient();
  const succeeded = analysis?.status === 'SUCCEEDED';
  useEffect(() => {
    if (succeeded) prefetchResults(client, api, analysisId); // idempotent: fresh queries are not fetched again
  }, [succeeded, analysisId, client, api]);
  if (query.error && !analysis) return <Problem error={query.error} retry={() => void query.refetch()} />;
  if (!analysis) return <Loading what="the analysis" />;
  return (
    <section className="analysis" aria-labelledby="analysis-title">
      <h3 id="analysis-title">Analysis</h3>
      {!isTerminal(analysis) && (
        <>
          <progress max={100} value={analysis.progress} aria-label="Analysis progress" />
          <p role="status">
            {analysis.progress}% · {stageText(analysis)}
          </p>
          {channel === 'waiting' && (
            <p className="notice">Live updates were interrupted; reconnecting. Progress is checked every few seconds.</p>
          )}
        </>
      )}
      {analysis.status === 'SUCCEEDED' && (
        <p role="status">
          The analysis is finished. <a href={href({ view: 'results', analysis: analysisId })}>See the ward rankings</a>; the
          vulnerability map is one click away under Map.
        </p>
      )}
      {analysis.status === 'FAILED' && (
        <p role="alert" className="problem">
          The analysis failed: {analysis.error ?? 'no reason was given'}. Check the report above, change the variables or
          the preset, and run it again.
        </p>
      )}
    </section>
  );
}
