import { fireEvent, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { TOPOLOGY } from '../test/topology';
import { formatNumber, RISK_COLORS, riskClasses, riskScale, rewind, ringArea, type Dictionary, type Wards } from './geo';
import NUMBERS from './quantity.cases.json';
import CASES from './riskClasses.cases.json';
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
// Distance to water raises risk the nearer the water (inverse); Gamma's was missing and filled in for scoring.
const DISTANCES: Wards = {
  ...WARDS,
  features: WARDS.features.map((ward, i) => ({
    ...ward,
    properties: { ...ward.properties, values: { ...ward.properties.values, distance_to_water: [2, 8, 5][i] }, imputed: i === 2 ? ['distance_to_water'] : [] },
  })),
};
// What map.topojson says of them: their labels and units in the variable dictionary, which way each raised risk.
const DICTIONARY: Dictionary = {
  rainfall: { label: 'Rainfall', unit: 'mm', direction: 'direct' },
  distance_to_water: { label: 'Distance to water bodies', unit: 'm', direction: 'inverse' },
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

  it("decodes each variable's label, unit and the way it raised risk in the analysis, once for all wards", () => {
    expect(SHAPES.dictionary).toEqual({ rainfall: { label: 'Rainfall', unit: 'mm', direction: 'direct' } });
  });

  it('reads a map.topojson that carries only the directions, or nothing of the variables', () => {
    const carrying = (properties?: { directions: Record<string, 'inverse' | null> }) =>
      shapesOf({ ...TOPOLOGY, objects: { ...TOPOLOGY.objects, wards: { ...TOPOLOGY.objects.wards, properties } } }).dictionary;
    expect(carrying({ directions: { rainfall: 'inverse', flood: null } })).toEqual({
      rainfall: { label: 'rainfall', unit: '', direction: 'inverse' },
      flood: { label: 'flood', unit: '', direction: null },
    });
    expect(carrying(undefined)).toBeUndefined();
  });
});

describe('the classes of a variable map', () => {
  // the cases tests/web/test_variable_classes.py holds the server's _classes to
  it.each(CASES)('are the server\'s: $case', ({ values, count, classes }) => {
    expect(riskClasses(values, count)).toEqual(classes);
  });

  it.each(CASES.filter((c) => c.legend))('are worded as the server\'s legend words them: $case', ({ values, legend }) => {
    expect(riskScale(values).legend.map((item) => item.label)).toEqual(legend);
  });

  // the cases tests/web/test_variable_classes.py holds the server's formats.quantity to
  it.each(NUMBERS)('show numbers as the server does: $case', ({ value, text }) => {
    expect(formatNumber(value)).toBe(text);
  });

  it('take the darkest colours, darker = riskier: an inverse variable\'s lowest values are the darkest', () => {
    const values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    const direct = riskScale(values, 'direct');
    const inverse = riskScale(values, 'inverse');
    expect([direct.color(1), direct.color(10)]).toEqual([RISK_COLORS[0], RISK_COLORS[4]]);
    expect([inverse.color(1), inverse.color(10)]).toEqual([RISK_COLORS[4], RISK_COLORS[0]]);
    expect(inverse.legend).toEqual([
      { color: '#bd0026', label: '1–3' },
      { color: '#f03b20', label: '3–5' },
      { color: '#fd8d3c', label: '5–7' },
      { color: '#fecc5c', label: '7–9' },
      { color: '#ffffb2', label: '9–10' },
    ]);
    // two values: two classes, the two darkest colours
    expect(riskScale([4, 7]).legend).toEqual([
      { color: '#f03b20', label: '4' },
      { color: '#bd0026', label: '7' },
    ]);
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
    expect(screen.getByText('No value in the data for this ward')).toBeInTheDocument();
    await userEvent.selectOptions(screen.getByRole('combobox', { name: 'Variable' }), 'rainfall');
    expect(screen.getByRole('img', { name: 'Beta (One LGA): rainfall 30' })).toBeInTheDocument();
  });

  it('names each variable by its label and unit, as the server\'s maps and the report do', async () => {
    render(<VariableMap wards={DISTANCES} dictionary={DICTIONARY} />);
    const select = screen.getByRole('combobox', { name: 'Variable' });
    expect(within(select).getAllByRole('option').map((o) => [o.textContent, (o as HTMLOptionElement).value])).toEqual([
      ['Distance to water bodies', 'distance_to_water'],
      ['Rainfall', 'rainfall'],
    ]);
    expect(screen.getByRole('region', { name: 'Map of Distance to water bodies (m)' })).toBeInTheDocument();
    await userEvent.selectOptions(select, 'Rainfall');
    const map = screen.getByRole('region', { name: 'Map of Rainfall (mm)' });
    expect(within(map).getByText('Rainfall (mm): darker = higher malaria risk (higher value, higher risk)')).toBeInTheDocument();
    expect(within(map).getByRole('img', { name: 'Beta (One LGA): Rainfall 30' })).toBeInTheDocument();
  });

  it('shades an inverse variable darkest where its values are lowest and says so; a value filled in for scoring is grey', async () => {
    render(<VariableMap wards={DISTANCES} dictionary={DICTIONARY} />);
    const map = screen.getByRole('region', { name: 'Map of Distance to water bodies (m)' });
    expect(within(map).getByText('Distance to water bodies (m): darker = higher malaria risk (lower value, higher risk)')).toBeInTheDocument();
    expect(within(map).getByRole('img', { name: 'Alpha (One LGA): Distance to water bodies 2' })).toHaveAttribute('fill', '#bd0026');
    expect(within(map).getByRole('img', { name: 'Beta (One LGA): Distance to water bodies 8' })).toHaveAttribute('fill', '#f03b20');
    const gamma = within(map).getByRole('img', {
      name: 'Gamma (Two LGA): Distance to water bodies missing in the data; 5 (filled from neighbours) used for scoring',
    });
    expect(gamma).toHaveAttribute('fill', '#d4d4d4');
    expect(within(map).getAllByRole('listitem').map((item) => item.textContent?.trim())).toEqual(['2', '8', 'No value in the data for this ward']);

    await userEvent.selectOptions(screen.getByRole('combobox', { name: 'Variable' }), 'rainfall');
    const rainfall = screen.getByRole('region', { name: 'Map of Rainfall (mm)' });
    expect(within(rainfall).getByRole('img', { name: 'Alpha (One LGA): Rainfall 10' })).toHaveAttribute('fill', '#f03b20');
    expect(within(rainfall).getByRole('img', { name: 'Beta (One LGA): Rainfall 30' })).toHaveAttribute('fill', '#bd0026');
  });

  it('says only that darker is higher when the analysis does not say which way the variable raised risk', () => {
    render(<VariableMap wards={WARDS} />);
    expect(screen.getByText('rainfall: darker = higher value')).toBeInTheDocument();
  });
});
