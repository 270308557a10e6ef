import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Analysis } from '../api/client';
import { fakeFetch, json, renderInSession } from '../test/fakes';
import { TOPOLOGY } from '../test/topology';
import MapView from './MapView';

const ANALYSIS: Analysis = {
  analysis_id: 'an_1',
  dataset_id: 'ds_1',
  status: 'SUCCEEDED',
  stage: 'report',
  progress: 100,
  error: null,
  request: { dataset_id: 'ds_1', method: 'composite' },
  created_at: '',
  updated_at: '',
  artifacts: ['rankings.csv', 'wards.geojson', 'lgas.geojson', 'map.topojson'],
};
const VALUES = {
  type: 'FeatureCollection',
  features: TOPOLOGY.objects.wards.geometries.map((ward, i) => ({
    type: 'Feature',
    geometry: { type: 'Polygon', coordinates: [[[6 + i / 10, 9], [6.1 + i / 10, 9], [6.1 + i / 10, 9.1], [6 + i / 10, 9.1], [6 + i / 10, 9]]] },
    properties: { ...ward.properties, values: { rainfall: 10 * (i + 1) } },
  })),
};

/** The API hands out a link per file; the storage behind the links is `downloads`. */
function session() {
  const storage = fakeFetch({ 'GET /map.topojson': () => json(TOPOLOGY), 'GET /wards.geojson': () => json(VALUES) });
  vi.stubGlobal('fetch', storage.fetch);
  const view = renderInSession(<MapView />, {
    'GET /analyses': () => json({ items: [ANALYSIS], next_token: null }),
    'GET /analyses/{id}': () => json(ANALYSIS),
    'GET /datasets': () => json({ items: [], next_token: null }),
    'GET /analyses/{id}/artifacts/{name}': (request) => json({ url: `http://storage.test/${request.url.split('/').pop()}` }),
  });
  return { ...view, downloads: () => storage.calls.map((call) => call.path.slice(1)) };
}

afterEach(() => vi.unstubAllGlobals());

describe('the Map screen', () => {
  it('draws the vulnerability map from map.topojson alone: no ward values, no ranking', async () => {
    const view = session();
    const map = await screen.findByRole('region', { name: 'Vulnerability map' });
    expect(within(map).getAllByRole('img')).toHaveLength(3);
    expect(within(map).getByRole('img', { name: 'Alpha (One LGA): High risk, rank 1 of 2' })).toHaveAttribute('fill', '#a50f15');
    expect(within(map).getByText(/Thick lines: LGA borders/)).toBeInTheDocument();
    expect(view.downloads()).toEqual(['map.topojson']);
    expect(view.calls.some((call) => call.path.endsWith('/rankings'))).toBe(false);
  });

  it('fetches the wards with their values only when the variable maps are opened', async () => {
    const view = session();
    await screen.findByRole('region', { name: 'Vulnerability map' });
    expect(screen.queryByRole('region', { name: /^Map of/ })).toBeNull();
    await userEvent.click(screen.getByText('Variable maps'));
    const variable = await screen.findByRole('region', { name: 'Map of rainfall' });
    expect(within(variable).getByRole('img', { name: 'Beta (One LGA): rainfall 20' })).toBeInTheDocument();
    expect(within(variable).getByText(/Thick lines: LGA borders/)).toBeInTheDocument(); // the outlines of map.topojson
    await waitFor(() => expect(view.downloads()).toEqual(['map.topojson', 'wards.geojson']));
  });
});
