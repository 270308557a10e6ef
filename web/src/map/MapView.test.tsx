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

const LGAS = { type: 'FeatureCollection', features: [{ type: 'Feature', geometry: VALUES.features[2].geometry, properties: { lga: 'Two' } }] };

/** The API hands out a link per file the analysis has; `downloads()` lists the files fetched through them. */
function session(files = ANALYSIS.artifacts) {
  const storage = fakeFetch({
    'GET /map.topojson': () => json(TOPOLOGY),
    'GET /wards.geojson': () => json(VALUES),
    'GET /lgas.geojson': () => json(LGAS),
  });
  vi.stubGlobal('fetch', storage.fetch);
  const analysis = { ...ANALYSIS, artifacts: files };
  const view = renderInSession(<MapView />, {
    'GET /analyses': () => json({ items: [analysis], next_token: null }),
    'GET /analyses/{id}': () => json(analysis),
    'GET /datasets': () => json({ items: [], next_token: null }),
    'GET /analyses/{id}/artifacts/{name}': (request) => {
      const name = request.url.split('/').pop()!;
      return files.includes(name)
        ? json({ url: `http://storage.test/${name}` })
        : json({ error: { code: 'not_found', message: `analysis an_1 has no file '${name}'`, details: {} } }, 404);
    },
  });
  return { ...view, downloads: () => storage.calls.map((call) => call.path.slice(1)) };
}

afterEach(() => vi.unstubAllGlobals());

describe('the Map screen', () => {
  it('draws the vulnerability map from map.topojson alone: no ward values, no ranking', async () => {
    const view = session();
    const map = await screen.findByRole('region', { name: 'Vulnerability map' });
    expect(within(map).getAllByRole('img')).toHaveLength(3);
    expect(within(map).getByRole('img', { name: 'Alpha (One LGA): High risk, rank 1 of 2' })).toHaveAttribute('fill', '#d7301f');
    expect(within(map).getByText(/Thick lines: LGA borders/)).toBeInTheDocument();
    expect(view.downloads()).toEqual(['map.topojson']);
    expect(view.calls.some((call) => call.path.endsWith('/rankings'))).toBe(false);
  });

  it('fetches the wards with their values only when the variable maps are opened', async () => {
    const view = session();
    await screen.findByRole('region', { name: 'Vulnerability map' });
    expect(screen.queryByRole('region', { name: /^Map of/ })).toBeNull();
    await userEvent.click(screen.getByText('Variable maps'));
    // the variable's label and unit, and which way it raised risk in the analysis, come with the shapes
    const variable = await screen.findByRole('region', { name: 'Map of Rainfall (mm)' });
    expect(within(variable).getByRole('img', { name: 'Beta (One LGA): Rainfall 20' })).toBeInTheDocument();
    expect(within(variable).getByText('Rainfall (mm): darker = higher malaria risk (higher value, higher risk)')).toBeInTheDocument();
    expect(within(variable).getByText(/Thick lines: LGA borders/)).toBeInTheDocument(); // the outlines of map.topojson
    await waitFor(() => expect(view.downloads()).toEqual(['map.topojson', 'wards.geojson']));
  });

  it('draws an analysis made before map.topojson existed from its wards.geojson and lgas.geojson', async () => {
    const view = session(['rankings.csv', 'wards.geojson', 'lgas.geojson']);
    const map = await screen.findByRole('region', { name: 'Vulnerability map' });
    expect(within(map).getByRole('img', { name: 'Beta (One LGA): Low risk, rank 2 of 2' })).toHaveAttribute('fill', '#fdd49e');
    await waitFor(() => expect(within(map).getByText(/Thick lines: LGA borders/)).toBeInTheDocument());
    expect(view.downloads()).toEqual(['wards.geojson', 'lgas.geojson']);
  });
});
