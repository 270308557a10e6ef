import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { json, renderInSession } from '../test/fakes';
import TprView from './TprView';

const dataset = (id: string, name: string, files: Record<string, unknown>) => ({
  dataset_id: id, name, status: 'READY', errors: [], warnings: [], files, created_at: '', updated_at: '',
});

describe('the TPR form', () => {
  it('computes ward TPR with the chosen options from the dataset with a facility export', async () => {
    const { calls } = renderInSession(<TprView />, {
      'GET /datasets': () =>
        json({
          items: [
            dataset('ds_ward', 'Ward data only', { data: { filename: 'w.csv', size: 1, uploaded: true } }),
            dataset('ds_tpr', 'Kwara DHIS2', { tpr: { filename: 'dhis2.csv', size: 1, uploaded: true } }),
          ],
          next_token: null,
        }),
      'POST /datasets/{id}/tpr': () =>
        json({
          dataset_id: 'ds_tpr', column: 'u5_tpr_rdt', options: { age: 'u5', level: 'primary', test: 'rdt' },
          wards_total: 2, wards_with_tpr: 1, wards_without_tpr: 1, flagged_rows: 1, warnings: [], flagged: [],
          series_url: 'http://s3.test/series.csv', series_expires_at: '',
          wards: [{ ward_code: 'K1', ward_name: 'Adewole', lga: 'Ilorin West', tpr: 42.5, positives: 85, tested: 200, facilities: 3, periods: 12, method: 'rdt' }],
        }),
    });
    const user = userEvent.setup();
    await user.selectOptions(await screen.findByRole('combobox', { name: 'Age group' }), 'u5');
    await user.selectOptions(screen.getByRole('combobox', { name: 'Facility level' }), 'primary');
    await user.selectOptions(screen.getByRole('combobox', { name: 'Test' }), 'rdt');
    await user.click(screen.getByRole('button', { name: 'Compute TPR' }));
    expect(await screen.findByRole('table', { name: 'Ward test positivity rate' })).toHaveTextContent('Adewole');
    expect(screen.getByText('42.5%')).toBeInTheDocument();
    expect(screen.getByText(/1 report row has more positives than tests: check them in the facility export/)).toBeInTheDocument();
    const post = calls.find((c) => c.method === 'POST')!;
    expect(post.path).toBe('/datasets/ds_tpr/tpr');
    expect(post.body).toEqual({ age: 'u5', level: 'primary', test: 'rdt', period_from: null, period_to: null });
  });

  it('says what to upload when no dataset has a facility export', async () => {
    renderInSession(<TprView />, { 'GET /datasets': () => json({ items: [], next_token: null }) });
    expect(await screen.findByText(/None of your ready datasets has a facility export. Upload one/)).toBeInTheDocument();
  });
});
