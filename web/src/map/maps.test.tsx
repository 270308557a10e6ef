import { fireEvent, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { TOPOLOGY } from '../test/topology';
import { quantileBreaks, rewind, ringArea, type Wards } from './geo';
import { shapesOf, VariableMap, VulnerabilityMap } from './maps';

// wards.geojson of the variable maps: three square wards side by side with their values, written
// with GeoJSON's right-hand rule (counter-clockwise).
const square = (x: number) => ({
  type: 'Polygon' as const,
  coordinates: [[[x, 9], [x + 0.1, 9], [x + 0.1, 9.1], [x, 9.1], [x, 9]]],
});
const WARDS: Wards = {
  type: 'FeatureCollection',
  features: [
    { type: 'Feature', geometry: square(6), properties: { ward_code: 'A', ward_name: 'Alpha', lga: 'One', values: { rainfall: 10 } } },
    { type: 'Feature', geometry: square(6.1), properties: { ward_code: 'B', ward_name: 'Beta', lga: 'One', values: { rainfall: 30 } } },
    { type: 'Feature', geometry: square(6.2), properties: { ward_code: 'C', ward_name: 'Gamma', lga: 'Two', values: { rainfall: null } } },
  ],
};
// What the vulnerability, coverage and inline maps draw: map.topojson's wards and LGA outlines.
const SHAPES = shapesOf(TOPOLOGY);

describe('map geometry', () => {
  it('turns outer rings clockwise for d3-geo and leaves them closed', () => {
    const wound = rewind(square(6));
    expect(ringArea(wound.coordinates[0])).toBeLessThan(0);
    expect(wound.coordinates[0][0]).toEqual(wound.coordinates[0][4]);
  });

  it('decodes map.topojson into the wards and LGA outlines it was made from, rings as the file winds them', () => {
    const round = (ring: number[][]) => ring.map((p) => p.map((v) => Number(v.toFixed(6))));
    expect(SHAPES.wards.features.map((f) => [f.id, f.properties.ward_name, f.properties.composite_category])).toEqual([
      ['w0', 'Alpha', 'High'],
      ['w1', 'Beta', 'Low'],
      ['w2', 'Gamma', null],
    ]);
    const beta = SHAPES.wards.features[1].geometry as { coordinates: number[][][] };
    expect(round(beta.coordinates[0])).toEqual([[6.1, 9], [6.2, 9], [6.2, 9.1], [6.1, 9.1], [6.1, 9]]); // arc -2: arc 1 backwards
    expect(SHAPES.lgas!.features.map((f) => f.properties.lga)).toEqual(['One', 'Two']);
    const one = SHAPES.lgas!.features[0].geometry as { coordinates: number[][][] };
    expect(round(one.coordinates[0])).toEqual([[6, 9], [6.2, 9], [6.2, 9.1], [6, 9.1], [6, 9]]);
  });

  it('splits values into classes of equal ward counts', () => {
    expect(quantileBreaks([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 5)).toEqual([3, 5, 7, 9]);
    expect(quantileBreaks([4, 4, 4])).toEqual([]); // one class when every ward has the same value
  });
});

describe('the vulnerability map', () => {
  it('colours each ward by its category and explains the colours in the legend', () => {
    render(<VulnerabilityMap wards={SHAPES.wards} lgas={SHAPES.lgas} />);
    const region = screen.getByRole('region', { name: 'Vulnerability map' });
    const alpha = within(region).getByRole('img', { name: 'Alpha (One LGA): High risk, rank 1 of 2' });
    expect(alpha).toHaveAttribute('fill', '#d7301f');
    expect(within(region).getByRole('img', { name: 'Gamma (Two LGA): no data' })).toHaveAttribute('fill', '#d4d4d4');
    const legend = within(region).getAllByRole('listitem').map((item) => item.textContent?.trim());
    expect(legend).toEqual([
      'High risk (rank 1): the third of wards most at risk; reach these first — 1 ward',
      'Medium risk (no ward): the middle third — 0 wards',
      'Low risk (rank 2): the third of wards least at risk — 1 ward',
      'No data for this ward — 1',
      'Thick lines: LGA borders',
    ]);
    // the three wards share the picture's width (a ring the wrong way round would be the rest of the globe)
    const xs = (alpha.getAttribute('d') ?? '').match(/[\d.]+(?=,)/g)!.map(Number);
    expect(Math.max(...xs) - Math.min(...xs)).toBeCloseTo(800 / 3, 0);
  });

  it('names the ward under the pointer or the keyboard', () => {
    render(<VulnerabilityMap wards={SHAPES.wards} />);
    const beta = screen.getByRole('img', { name: /^Beta/ });
    fireEvent.mouseEnter(beta);
    expect(screen.getByText('Beta (One LGA): Low risk, rank 2 of 2', { selector: '.map-info' })).toBeInTheDocument();
    const alpha = screen.getByRole('img', { name: /^Alpha/ });
    expect(alpha).toHaveAttribute('tabindex', '0'); // the first in rank order takes the focus
    alpha.focus();
    fireEvent.keyDown(alpha, { key: 'ArrowRight' });
    expect(beta).toHaveFocus();
  });

  it('shows the PCA ranking when asked', () => {
    render(<VulnerabilityMap wards={SHAPES.wards} method="pca" />);
    expect(screen.getByRole('img', { name: 'Beta (One LGA): High risk, rank 1 of 2' })).toHaveAttribute('fill', '#d7301f');
    expect(screen.getByRole('img', { name: 'Alpha (One LGA): Low risk, rank 2 of 2' })).toHaveAttribute('fill', '#fdd49e');
  });
});

describe('a variable map', () => {
  it('maps the chosen variable in value classes, wards without a value grey', async () => {
    render(<VariableMap wards={WARDS} />);
    expect(screen.getByRole('region', { name: 'Map of rainfall' })).toBeInTheDocument();
    expect(screen.getByRole('img', { name: 'Gamma (Two LGA): rainfall has no value' })).toHaveAttribute('fill', '#d4d4d4');
    expect(screen.getByText('No value for this ward')).toBeInTheDocument();
    await userEvent.selectOptions(screen.getByRole('combobox', { name: 'Variable' }), 'rainfall');
    expect(screen.getByRole('img', { name: 'Beta (One LGA): rainfall 30' })).toBeInTheDocument();
  });
});
