import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { ItnPlan } from '../api/client';
import { json, renderInSession } from '../test/fakes';
import ItnView, { checkPlanInputs, totalsSentences } from './ItnView';

const PLAN: ItnPlan = {
  plan_id: 'plan_1',
  created_at: '',
  method: 'composite',
  preset: 'default',
  household_size: 4,
  urban_threshold: 75,
  artifacts: ['itn-plan-plan_1.csv'],
  warnings: [],
  totals: {
    nets_total: 2000000,
    nets_used: 1999999,
    nets_left: 1,
    nets_needed: 2500000,
    people_covered: 7999996,
    population_planned: 10000000,
    coverage_percent: 80,
    wards_covered: { rural: 200, urban: 20 },
    wards_partial: { rural: 0, urban: 1 },
    wards_without_nets: 54,
    wards_unplanned: 0,
  },
  rows: [
    {
      ward_code: 'A',
      ward_name: 'Manta',
      lga: 'Shiroro',
      rank: 1,
      population: 20000,
      urban_percentage: 3,
      tier: 'rural',
      nets_needed: 5000,
      nets_allocated: 5000,
      people_covered: 20000,
      coverage_percent: 100,
      phase: 'rural_full',
    },
  ],
};

describe('the ITN planner', () => {
  it('says what to change in the inputs', () => {
    expect(checkPlanInputs({ totalNets: '', householdSize: '0', urbanThreshold: '120', method: 'composite' })).toEqual([
      'Total nets: enter the number of nets you have, a whole number such as 2000000.',
      'Household size: enter the average number of people per household, e.g. 5.',
      'Urban threshold: enter a percentage between 0 and 100, e.g. 75.',
    ]);
  });

  it('reads the totals as sentences', () => {
    expect(totalsSentences(PLAN)).toEqual([
      '1,999,999 of 2,000,000 nets are allocated; 1 are left over.',
      'They cover 7,999,996 people: 80.0% of the 10,000,000 people in the planned wards (2,500,000 nets would cover everyone).',
      '220 wards are fully covered, 1 partly, 54 get no nets.',
    ]);
  });

  it('plans nets from the form and shows the plan table', async () => {
    window.location.hash = '#/itn?analysis=an_1';
    const post = vi.fn(() => json(PLAN, 201));
    const analysis = { analysis_id: 'an_1', dataset_id: 'ds_1', status: 'SUCCEEDED', stage: 'report', progress: 100, error: null, request: { dataset_id: 'ds_1', method: 'composite' }, created_at: '', updated_at: '', artifacts: [] };
    const { calls } = renderInSession(<ItnView />, {
      'GET /analyses': () => json({ items: [analysis], next_token: null }),
      'GET /analyses/{id}': () => json(analysis),
      'GET /datasets': () => json({ items: [], next_token: null }),
      'GET /analyses/{id}/itn-plans': () => json({ items: [] }),
      'POST /analyses/{id}/itn-plans': post,
    });
    const user = userEvent.setup();
    await user.type(await screen.findByRole('spinbutton', { name: 'Total nets' }), '2000000');
    await user.clear(screen.getByRole('spinbutton', { name: 'Household size' }));
    await user.type(screen.getByRole('spinbutton', { name: 'Household size' }), '4');
    expect(screen.getByRole('spinbutton', { name: 'Urban threshold' })).toHaveValue(75);
    await user.click(screen.getByRole('button', { name: 'Plan nets' }));
    expect(await screen.findByRole('table', { name: 'Net distribution plan' })).toHaveTextContent('Manta');
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ total_nets: 2000000, household_size: 4, urban_threshold: 75, method: 'composite' });
    expect(screen.getByRole('link', { name: 'itn-plan-plan_1.csv' })).toBeInTheDocument();
  });
});
