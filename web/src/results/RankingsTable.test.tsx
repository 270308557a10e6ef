import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { Ranking } from '../api/client';
import { RankingsTable } from './RankingsTable';

const ward = (rank: number, name: string, lga: string, category: Ranking['composite_category'], code: string): Ranking => ({
  ward_code: code,
  ward_name: name,
  lga,
  composite_score: 1 - rank / 10,
  composite_rank: rank,
  composite_category: category,
  pca_score: null,
  pca_rank: null,
  pca_category: null,
  rank_spread: { min: rank, p10: rank, p90: rank + 1, max: rank + 2 },
  imputed: rank === 2 ? ['housing_quality'] : [],
});

const RANKINGS = [
  ward(1, 'Manta', 'Shiroro', 'High', 'NISKUT12'),
  ward(2, 'Sabon Gari', 'Bida', 'High', 'NIBDA01'),
  ward(3, 'Kawo', 'Shiroro', 'Medium', 'NISKUT03'),
  ward(4, 'Sabon Gari', 'Rafi', 'Low', 'NIRAF02'),
];

const wardNames = () =>
  within(screen.getByRole('table', { name: 'Ward rankings' }))
    .getAllByRole('row')
    .slice(1)
    .map((row) => within(row).getByRole('rowheader').firstChild?.textContent);

describe('the ward rankings table', () => {
  it('lists every ward in rank order with its category', () => {
    render(<RankingsTable rankings={RANKINGS} />);
    expect(wardNames()).toEqual(['Manta', 'Sabon Gari', 'Kawo', 'Sabon Gari']);
    expect(screen.getByText('Showing 4 of 4 wards.', { exact: false })).toBeInTheDocument();
    const first = screen.getAllByRole('row')[1];
    expect(within(first).getByText('High')).toBeInTheDocument();
  });

  it('filters by LGA, by category and by a search that ignores case and punctuation', async () => {
    const user = userEvent.setup();
    render(<RankingsTable rankings={RANKINGS} />);
    await user.selectOptions(screen.getByRole('combobox', { name: 'LGA' }), 'Shiroro');
    expect(wardNames()).toEqual(['Manta', 'Kawo']);
    await user.selectOptions(screen.getByRole('combobox', { name: 'LGA' }), '');
    await user.type(screen.getByRole('searchbox', { name: 'Search a ward' }), 'sabon-gari');
    expect(wardNames()).toEqual(['Sabon Gari', 'Sabon Gari']);
    await user.selectOptions(screen.getByRole('combobox', { name: 'Category' }), 'Low');
    expect(wardNames()).toEqual(['Sabon Gari']);
    expect(screen.getByText(/Showing 1 of 4 wards/)).toBeInTheDocument();
  });

  it('sorts by a column, and back the other way on a second click', async () => {
    const user = userEvent.setup();
    render(<RankingsTable rankings={RANKINGS} />);
    await user.click(screen.getByRole('button', { name: 'Ward' }));
    expect(wardNames()).toEqual(['Kawo', 'Manta', 'Sabon Gari', 'Sabon Gari']);
    expect(screen.getByRole('columnheader', { name: 'Ward' })).toHaveAttribute('aria-sort', 'ascending');
    await user.click(screen.getByRole('button', { name: 'Rank' }));
    await user.click(screen.getByRole('button', { name: 'Rank' }));
    expect(wardNames()).toEqual(['Sabon Gari', 'Kawo', 'Sabon Gari', 'Manta']);
  });
});
