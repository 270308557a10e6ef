import { act, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Analysis } from '../api/client';
import { FakeSocket, fakeFetch, json, renderInSession } from '../test/fakes';
import { TOPOLOGY } from '../test/topology';
import { AnalysisProgress } from './AnalysisProgress';

const analysis = (patch: Partial<Analysis> = {}): Analysis => ({
  analysis_id: 'an_1',
  dataset_id: 'ds_1',
  status: 'RUNNING',
  stage: 'prepare',
  progress: 10,
  error: null,
  request: { dataset_id: 'ds_1' },
  created_at: '',
  updated_at: '',
  artifacts: [],
  ...patch,
});

afterEach(() => vi.unstubAllGlobals());

describe('analysis progress', () => {
  it('moves the progress bar with the WebSocket and catches up from the API after a drop', async () => {
    let state = analysis();
    const view = renderInSession(<AnalysisProgress analysisId="an_1" />, { 'GET /analyses/{id}': () => json(state) });
    view.live.start();
    const bar = await screen.findByRole('progressbar', { name: 'Analysis progress' });
    expect(bar).toHaveAttribute('value', '10');
    const socket = FakeSocket.all[0];
    act(() => socket.open());
    expect(socket.sent).toContainEqual({ action: 'subscribe', analysis_id: 'an_1' });
    act(() => socket.receive({ type: 'progress', analysis_id: 'an_1', stage: 'score', progress: 45, message: 'Scoring and ranking the wards' }));
    expect(await screen.findByText('45% · Scoring and ranking the wards')).toBeInTheDocument();
    expect(bar).toHaveAttribute('value', '45');
    state = analysis({ status: 'SUCCEEDED', progress: 100, stage: 'report', artifacts: ['report.html'] });
    act(() => socket.drop()); // the analysis ends while the connection is down
    expect(await screen.findByText(/Live updates were interrupted; reconnecting/)).toBeInTheDocument();
    await waitFor(() => expect(FakeSocket.all).toHaveLength(2));
    act(() => FakeSocket.all[1].open());
    expect(await screen.findByText(/The analysis is finished/)).toBeInTheDocument();
    expect(screen.queryByRole('progressbar')).toBeNull();
    view.live.close();
  });

  it('says why an analysis failed and what to try', async () => {
    renderInSession(<AnalysisProgress analysisId="an_1" />, {
      'GET /analyses/{id}': () => json(analysis({ status: 'FAILED', error: 'Fewer than 2 variables have values' })),
    });
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'The analysis failed: Fewer than 2 variables have values. Check the report above, change the variables or the preset, and run it again.',
    );
  });

  it('fetches the map\'s shapes the moment the live status says finished, then the ranking, so Map draws at once', async () => {
    const storage = fakeFetch({ 'GET /map.topojson': () => json(TOPOLOGY) });
    vi.stubGlobal('fetch', storage.fetch);
    let read: () => Response | Promise<Response> = () => json(analysis({ stage: 'report', progress: 80 }));
    const view = renderInSession(<AnalysisProgress analysisId="an_1" />, {
      'GET /analyses/{id}': () => read(),
      'GET /analyses/{id}/artifacts/{name}': (request) => json({ url: `http://storage.test/${request.url.split('/').pop()}` }),
      'GET /analyses/{id}/rankings': () => json({ items: [], next_token: null }),
    });
    view.live.start();
    await screen.findByRole('progressbar', { name: 'Analysis progress' });
    act(() => FakeSocket.all[0].open());
    read = () => new Promise(() => {}); // the analysis with its files is read again on a slow link
    act(() => FakeSocket.all[0].receive({ type: 'status', analysis_id: 'an_1', status: 'SUCCEEDED' }));
    await waitFor(() => expect(view.calls.map((call) => call.path)).toContain('/analyses/an_1/rankings'));
    expect(storage.calls.map((call) => call.path)).toEqual(['/map.topojson']); // not the half-megabyte wards.geojson
    const asked = view.calls.map((call) => call.path);
    expect(asked.indexOf('/analyses/an_1/artifacts/map.topojson')).toBeLessThan(asked.indexOf('/analyses/an_1/rankings'));
    view.live.close();
  });
});
