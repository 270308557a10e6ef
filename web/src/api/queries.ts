/** Server data through react-query, the one cache: a key and a loader per resource. */
import { useQuery } from '@tanstack/react-query';
import { useServices } from '../app/context';
import { call, type Analysis, type Api, type Dataset, type Ranking } from './client';
import { ApiError } from './errors';

export const keys = {
  datasets: ['datasets'] as const,
  dataset: (id: string) => ['dataset', id] as const,
  analyses: ['analyses'] as const,
  analysis: (id: string) => ['analysis', id] as const,
  rankings: (id: string) => ['rankings', id] as const,
  artifact: (id: string, name: string) => ['artifact', id, name] as const,
  geojson: (id: string, name: string) => ['geojson', id, name] as const,
  itnPlans: (id: string) => ['itn-plans', id] as const,
  conversations: ['conversations'] as const,
  conversation: (id: string) => ['conversation', id] as const,
};

const TERMINAL: Analysis['status'][] = ['SUCCEEDED', 'FAILED'];
export const isTerminal = (analysis?: Pick<Analysis, 'status'>) => !!analysis && TERMINAL.includes(analysis.status);

/** Retry what a flaky link broke (network, 429, 5xx), never a request the server refused. */
export function shouldRetry(failures: number, error: unknown): boolean {
  if (failures >= 3) return false;
  if (!(error instanceof ApiError)) return false;
  return error.code === 'network' || error.status === 429 || error.status >= 500;
}

export function useDatasets() {
  const { api } = useServices();
  return useQuery({ queryKey: keys.datasets, queryFn: () => call(api.GET('/datasets', {})) });
}

// A Niger dataset is READY about 0.25 s after its last file arrives. Its end comes over the WebSocket
// (live/hooks useDatasetEvents refetches it at once); the poll stays, every second, for a socket that is down
// or a push that was lost, and for the AWAITING_UPLOAD -> PROCESSING step, which is not pushed.
const DATASET_POLL_MS = 1000;

/** A dataset; polled while the server is still working on it (or while this tab is uploading it). */
export function useDataset(id: string | undefined, uploading = false) {
  const { api } = useServices();
  return useQuery({
    queryKey: keys.dataset(id ?? ''),
    enabled: !!id,
    queryFn: () => call(api.GET('/datasets/{dataset_id}', { params: { path: { dataset_id: id! } } })),
    refetchInterval: (query) => {
      const status = (query.state.data as Dataset | undefined)?.status;
      return status === 'PROCESSING' || (status === 'AWAITING_UPLOAD' && uploading) ? DATASET_POLL_MS : false;
    },
  });
}

export function useAnalyses() {
  const { api } = useServices();
  return useQuery({ queryKey: keys.analyses, queryFn: () => call(api.GET('/analyses', {})) });
}

const ANALYSIS_POLL_MS = 5000;

/** An analysis; live updates come from the WebSocket, polling only while it is not connected. */
export function useAnalysis(id: string | undefined, live = true) {
  const { api } = useServices();
  return useQuery({
    queryKey: keys.analysis(id ?? ''),
    enabled: !!id,
    queryFn: () => call(api.GET('/analyses/{analysis_id}', { params: { path: { analysis_id: id! } } })),
    refetchInterval: (query) => (live || isTerminal(query.state.data as Analysis | undefined) ? false : ANALYSIS_POLL_MS),
  });
}

const RANKINGS_PAGE = 1000;

export async function fetchRankings(api: Api, analysisId: string): Promise<Ranking[]> {
  const items: Ranking[] = [];
  let token: string | undefined;
  do {
    const page = await call(
      api.GET('/analyses/{analysis_id}/rankings', {
        params: { path: { analysis_id: analysisId }, query: { limit: RANKINGS_PAGE, ...(token ? { next_token: token } : {}) } },
      }),
    );
    items.push(...page.items);
    token = page.next_token ?? undefined;
  } while (token);
  return items;
}

export function useRankings(analysisId: string | undefined) {
  const { api } = useServices();
  return useQuery({ ...rankingsQuery(api, analysisId ?? ''), enabled: !!analysisId });
}

/** One of the analysis's files, through a fresh presigned link (they last 5 minutes). */
export async function fetchArtifact(api: Api, analysisId: string, name: string, fetchImpl: typeof fetch = fetch) {
  const { url } = await call(
    api.GET('/analyses/{analysis_id}/artifacts/{name}', { params: { path: { analysis_id: analysisId, name } } }),
  );
  let response: Response;
  try {
    response = await fetchImpl(url);
  } catch {
    throw new ApiError(0, 'network', `${name} could not be downloaded. Check your internet connection and try again.`);
  }
  if (!response.ok) {
    throw new ApiError(response.status, 'download', `${name} could not be downloaded (${response.status}). Try again in a moment.`);
  }
  return response;
}

/** A JSON artifact (wards.geojson, lgas.geojson) read through its presigned link: the query's options. */
function artifactJsonQuery<T>(api: Api, analysisId: string, name: string) {
  return {
    queryKey: keys.geojson(analysisId, name),
    staleTime: Infinity,
    queryFn: async (): Promise<T> => (await fetchArtifact(api, analysisId, name)).json() as Promise<T>,
  };
}

export function useArtifactJson<T>(analysisId: string | undefined, name: string, enabled = true) {
  const { api } = useServices();
  return useQuery({ ...artifactJsonQuery<T>(api, analysisId ?? '', name), enabled: !!analysisId && enabled });
}

export function rankingsQuery(api: Api, analysisId: string) {
  return {
    queryKey: keys.rankings(analysisId),
    queryFn: () => fetchRankings(api, analysisId),
    staleTime: Infinity, // a finished analysis's ranking does not change
  };
}

/** The analysis the screens show: the one in the URL, else the newest that succeeded. */
export function useChosenAnalysis(routeId: string | undefined) {
  const analyses = useAnalyses();
  const fallback = analyses.data?.items.find((a) => a.status === 'SUCCEEDED')?.analysis_id;
  return { analysisId: routeId ?? fallback, analyses };
}
