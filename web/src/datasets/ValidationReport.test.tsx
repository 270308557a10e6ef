import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { Dataset } from '../api/client';
import { ValidationReport } from './ValidationReport';

const base: Dataset = {
  dataset_id: 'ds_1',
  name: 'Kano',
  status: 'READY',
  errors: [],
  warnings: ['Niger_plus.csv: not variables, as their names say they are row numbers: X.1, X.'],
  files: {},
  created_at: '',
  updated_at: '',
};

describe('the validation report', () => {
  it('says how the wards matched, which rows did not and what to fix', () => {
    render(
      <ValidationReport
        dataset={{
          ...base,
          summary: {
            wards: 66,
            state: 'Kano',
            matched: { by_code: 0, by_name: 62, fuzzy: 3 },
            unmatched: 1,
            unmatched_wards: [{ ward_name: 'Fagg c', reason: 'tie' }],
            boundaries_without_data: 1,
            variables: [{ name: 'tpr', missing: 2, min: 1, max: 50, direction: 'direct' }],
          },
        }}
      />,
    );
    expect(screen.getByText('66 wards in Kano. 65 data rows matched a boundary ward: 62 by name, 3 by a close spelling of the name.')).toBeInTheDocument();
    expect(screen.getByText(/1 data row matched no boundary ward and will be left out. To include them, correct the ward name/)).toBeInTheDocument();
    expect(screen.getByText('Fagg c: it is equally close to several boundary wards.')).toBeInTheDocument();
    expect(screen.getByText(/1 boundary ward has no row in the ward data; it is drawn grey on the maps/)).toBeInTheDocument();
    expect(screen.getByText(/tpr \(2 wards missing, filled in by the analysis\)/)).toBeInTheDocument();
    expect(screen.getByText(/not variables, as their names say/)).toBeInTheDocument();
  });

  it('lists what makes a dataset invalid with the file, row and column', () => {
    render(
      <ValidationReport
        dataset={{
          ...base,
          status: 'INVALID',
          errors: [
            {
              code: 'non_numeric_value',
              message: "Row 12: 'abc' in column 'pfpr' is not a number: use a number or leave the cell empty.",
              file: 'Niger_plus.csv',
              row: 12,
              column: 'pfpr',
            },
          ],
        }}
      />,
    );
    expect(screen.getByRole('alert')).toHaveTextContent(
      "These files cannot be analysed yet. Fix the following in your files, then upload them again:In Niger_plus.csv, row 12, column pfpr: Row 12: 'abc' in column 'pfpr' is not a number",
    );
  });
});
