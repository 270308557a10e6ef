/** The "Ward rankings" table: sort by a column, filter by LGA and category, search a ward. */
import { useMemo, useState } from 'react';
import type { Category, Ranking } from '../api/client';
import {
  CATEGORIES,
  categoryOf,
  filterAndSort,
  lgasOf,
  rankOf,
  scoreOf,
  type Method,
  type SortKey,
  type TableOptions,
} from './rankings';

const COLUMNS: [SortKey, string][] = [
  ['rank', 'Rank'],
  ['ward', 'Ward'],
  ['lga', 'LGA'],
  ['score', 'Score'],
];

export function CategoryBadge({ category }: { category: Category | null | undefined }) {
  if (!category) return <span className="category category-none">no data</span>;
  return <span className={`category category-${category}`}>{category}</span>;
}

export function RankingsTable({ rankings }: { rankings: Ranking[] }) {
  const hasComposite = rankings.some((r) => r.composite_rank != null);
  const hasPca = rankings.some((r) => r.pca_rank != null);
  const [options, setOptions] = useState<TableOptions>({
    method: hasComposite ? 'composite' : 'pca',
    search: '',
    lga: '',
    category: '',
    sort: 'rank',
    descending: false,
  });
  const set = (patch: Partial<TableOptions>) => setOptions((o) => ({ ...o, ...patch }));
  const lgas = useMemo(() => lgasOf(rankings), [rankings]);
  const rows = useMemo(() => filterAndSort(rankings, options), [rankings, options]);

  function sortBy(key: SortKey) {
    set({ sort: key, descending: options.sort === key ? !options.descending : key === 'score' });
  }

  return (
    <div className="rankings">
      <div className="filters">
        <label>
          Search a ward
          <input type="search" value={options.search} onChange={(e) => set({ search: e.target.value })} placeholder="name or code" />
        </label>
        <label>
          LGA
          <select value={options.lga} onChange={(e) => set({ lga: e.target.value })}>
            <option value="">All LGAs</option>
            {lgas.map((l) => (
              <option key={l}>{l}</option>
            ))}
          </select>
        </label>
        <label>
          Category
          <select value={options.category} onChange={(e) => set({ category: e.target.value as Category | '' })}>
            <option value="">All categories</option>
            {CATEGORIES.map((c) => (
              <option key={c}>{c}</option>
            ))}
          </select>
        </label>
        {hasPca && hasComposite && (
          <label>
            Method
            <select value={options.method} onChange={(e) => set({ method: e.target.value as Method })}>
              <option value="composite">Composite score</option>
              <option value="pca">PCA</option>
            </select>
          </label>
        )}
      </div>
      <p role="status" className="count">
        Showing {rows.length.toLocaleString()} of {rankings.length.toLocaleString()} wards. Rank 1 is the most vulnerable; High
        is the third of wards at most risk.
      </p>
      <div className="scroll" tabIndex={0} role="group" aria-label="Scrollable table of wards">
        <table>
          <caption>Ward rankings</caption>
          <thead>
            <tr>
              {COLUMNS.map(([key, label]) => (
                <th
                  key={key}
                  scope="col"
                  aria-sort={options.sort === key ? (options.descending ? 'descending' : 'ascending') : undefined}
                >
                  <button type="button" className="sort" onClick={() => sortBy(key)}>
                    {label}
                  </button>
                </th>
              ))}
              <th scope="col">Category</th>
              <th scope="col">Rank across models</th>
              <th scope="col">Values filled in</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.ward_code ?? `${r.lga}|${r.ward_name}`}>
                <td>{rankOf(r, options.method) ?? '—'}</td>
                <th scope="row">
                  {r.ward_name}
                  {r.ward_code && <small className="code"> {r.ward_code}</small>}
                </th>
                <td>{r.lga ?? '—'}</td>
                <td>{scoreOf(r, options.method)?.toFixed(3) ?? '—'}</td>
                <td>
                  <CategoryBadge category={categoryOf(r, options.method)} />
                </td>
                <td>{r.rank_spread ? `${Math.round(r.rank_spread.p10)}–${Math.round(r.rank_spread.p90)}` : '—'}</td>
                <td>{r.imputed.length ? r.imputed.join(', ') : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
