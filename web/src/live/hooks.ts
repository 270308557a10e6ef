/** The live channel as React sees it: its state, analysis progress written into the query cache, datasets' ends. */
import { useQueryClient, type QueryKey } from '@tanstack/react-query';
import { useEffect, useSyncExternalStore } from 'react';
import type { Analysis } from '../api/client';
import { keys } from '../api/queries';
import { useServices } from '../app/context';
import type { ChannelState, LiveMessage } from './channel';

export function useChannelState(): ChannelState {
  const { live } = useServices();
  return useSyncExternalStore(
    (onChange) => live.onState(onChange),
    () => live.state,
  );
}

/** An analysis as cached: the REST answer, plus the last progress message's words. */
export type LiveAnalysis = Analysis & { message?: string };

/** Applies a progress or status message to the cached analysis; progress never goes backwards. */
export function applyProgress(analysis: LiveAnalysis | undefined, message: LiveMessage): LiveAnalysis | undefined {
  if (!analysis || !('analysis_id' in message) || message.analysis_id !== analysis.analysis_id) return analysis;
  if (message.type === 'progress') {
    if (analysis.status === 'SUCCEEDED' || analysis.status === 'FAILED') return analysis;
    return {
      ...analysis,
      status: 'RUNNING',
      stage: message.stage,
      message: message.message,
      progress: Math.max(analysis.progress, message.progress),
    };
  }
  if (message.type === 'status') {
    return {
      ...analysis,
      status: message.status,
      error: message.error ?? analysis.error,
      progress: message.status === 'SUCCEEDED' ? 100 : analysis.progress,
    };
  }
  return analysis;
}

/** Follows an analysis until it ends: subscribes, writes each message into the cache, catches up after a drop. */
export function useAnalysisLive(analysisId: string | undefined, finished: boolean) {
  const { live } = useServices();
  const client = useQueryClient();
  useEffect(() => {
    if (!analysisId || finished) return;
    const key = keys.analysis(analysisId);
    const stops = [
      live.subscribe(analysisId),
      live.onMessage((message) => {
        client.setQueryData<LiveAnalysis>(key, (old) => applyProgress(old, message));
        if (message.type === 'status') {
          void client.invalidateQueries({ queryKey: key }); // the artifacts list comes with the final state
          void client.invalidateQueries({ queryKey: keys.analyses });
        }
      }),
      live.onReconnect(() => void client.invalidateQueries({ queryKey: key })),
    ];
    return () => stops.forEach((stop) => stop());
  }, [analysisId, finished, live, client]);
}

/**
 * A dataset's end refetches it and the list at once, where a poll would wait up to a second; after a drop,
 * the datasets are read again in case one ended meanwhile (mounted once per session).
 */
export function useDatasetEvents() {
  const { live } = useServices();
  const client = useQueryClient();
  useEffect(() => {
    const refresh = (datasets: QueryKey) => {
      void client.invalidateQueries({ queryKey: datasets });
      void client.invalidateQueries({ queryKey: keys.datasets });
    };
    const stops = [
      live.onMessage((message) => {
        if (message.type === 'dataset') refresh(keys.dataset(message.dataset_id));
      }),
      live.onReconnect(() => refresh(['dataset'])), // every dataset: one may have ended meanwhile
    ];
    return () => stops.forEach((stop) => stop());
  }, [live, client]);
}
