import { act, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Dataset } from '../api/client';
import { UploaderProvider } from '../datasets/uploader';
import DatasetsView from '../datasets/DatasetsView';
import { FakeSocket, json, renderInSession } from '../test/fakes';
import { useDatasetEvents } from './hooks';

const dataset = (dataset_id: string, name: string, status: Dataset['status']): Dataset => ({
  dataset_id,
  name,
  status,
  errors: [],
  warnings: [],
  files: {},
  created_at: '',
  updated_at: '',
  ...(status === 'READY' && {
    summary: {
      wards: 275,
      state: name,
      matched: { by_code: 275, by_name: 0, fuzzy: 0 },
      unmatched: 0,
      unmatched_wards: [],
      boundaries_without_data: 0,
      variables: [{ name: 'pfpr', missing: 0, min: 0.1, max: 0.6, direction: 'direct' }],
    },
  }),
});

function Session() {
  useDatasetEvents(); // as the signed-in frame mounts it
  return (
    <UploaderProvider onCreated={() => {}} sleep={async () => {}}>
      <DatasetsView />
    </UploaderProvider>
  );
}

// The 1 s poll runs on setInterval: frozen here, so only the WebSocket can bring the news. Testing Library's
// waitFor then re-checks on DOM changes only: what is not in the DOM is awaited with vi.waitFor (real timers).
beforeEach(() => vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] }));
afterEach(() => vi.useRealTimers());

async function openSession(routes: Parameters<typeof renderInSession>[1]) {
  window.location.hash = '#/datasets?dataset=ds_1';
  const view = renderInSession(<Session />, routes);
  view.live.start();
  await screen.findByRole('heading', { name: 'Niger being checked' });
  await vi.waitFor(() => expect(FakeSocket.all).toHaveLength(1));
  act(() => FakeSocket.all[0].open());
  return view;
}

/** Niger open and being checked, Kano being checked in the list: `end` changes what the API says of Kano. */
async function withKanoInTheList() {
  const open = dataset('ds_1', 'Niger', 'PROCESSING');
  let kano = dataset('ds_2', 'Kano', 'PROCESSING');
  const view = await openSession({
    'GET /datasets/{id}': () => json(open),
    'GET /datasets': () => json({ items: [open, kano], next_token: null }),
  });
  const list = screen.getByRole('region', { name: 'Your datasets' });
  const kanoSays = (words: string) =>
    waitFor(() => expect(within(list).getByRole('link', { name: 'Kano' }).parentElement).toHaveTextContent(words));
  await kanoSays('being checked');
  return { view, kanoSays, end: (status: Dataset['status']) => (kano = dataset('ds_2', 'Kano', status)) };
}

describe("a dataset's end over the WebSocket", () => {
  it('shows the open dataset ready the moment the message arrives, without waiting for the poll', async () => {
    let current = dataset('ds_1', 'Niger', 'PROCESSING');
    const view = await openSession({
      'GET /datasets/{id}': () => json(current),
      'GET /datasets': () => json({ items: [current], next_token: null }),
    });

    current = dataset('ds_1', 'Niger', 'READY');
    act(() => FakeSocket.all[0].receive({ type: 'dataset', dataset_id: 'ds_1', status: 'READY' }));

    expect(await screen.findByRole('heading', { name: 'Niger ready to analyse' })).toBeInTheDocument();
    view.live.close();
  });

  it("refreshes the list for another dataset's end, and leaves the open one alone", async () => {
    const { view, end, kanoSays } = await withKanoInTheList();
    const reads = () => view.calls.filter((call) => call.path === '/datasets/ds_1').length;
    const before = reads();

    end('INVALID');
    act(() => FakeSocket.all[0].receive({ type: 'dataset', dataset_id: 'ds_2', status: 'INVALID' }));

    await kanoSays('needs corrected files');
    expect(reads()).toBe(before);
    view.live.close();
  });

  it('reads the datasets again after a drop, in case one ended meanwhile', async () => {
    const { view, end, kanoSays } = await withKanoInTheList();

    end('READY'); // its message is lost with the connection
    act(() => FakeSocket.all[0].drop());
    await vi.waitFor(() => expect(FakeSocket.all).toHaveLength(2));
    act(() => FakeSocket.all[1].open());

    await kanoSays('ready to analyse');
    view.live.close();
  });
});
