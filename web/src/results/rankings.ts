/** Filtering and sorting the ward rankings (pure, so the table and its tests share it). */
import type { Category, Ranking } from '../api/client';

export type Method = 'composite' | 'pca';
export type SortKey = 'rank' | 'ward' | 'lga' | 'score';

export interface TableOptions {
  method: Method;
  search: string;
  lga: string; // '' = every LGA
  category: Category | '';
  sort: SortKey;
  descending: boolean;
}

export const CATEGORIES: Category[] = ['High', 'Medium', 'Low'];

/** Case- and punctuation-blind, as the server matches ward names. */
export const normalise = (text: string) => text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');

export const rankOf = (r: Ranking, m: Method) => (m === 'pca' ? r.pca_rank : r.composite_rank);
export const scoreOf = (r: Ranking, m: Method) => (m === 'pca' ? r.pca_score : r.composite_score);
export const categoryOf = (r: Ranking, m: Method) => (m === 'pca' ? r.pca_category : r.composite_category);

export function lgasOf(rankings: Ranking[]): string[] {
  return [...new Set(rankings.map((r) => r.lga).filter((l): l is string => !!l))].sort((a, b) => a.localeCompare(b));
}

const missingLast = (a: number | null | undefined, b: number | null | undefined) =>
  a == null ? (b == null ? 0 : 1) : b == null ? -1 : a - b;

export function filterAndSort(rankings: Ranking[], o: TableOptions): Ranking[] {
  const query = normalise(o.search);
  const rows = rankings.filter(
    (r) =>
      (!o.lga || r.lga === o.lga) &&
      (!o.category || categoryOf(r, o.method) === o.category) &&
      (!query || normalise(r.ward_name).includes(query) || normalise(r.ward_code ?? '').includes(query)),
  );
  const compare: Record<SortKey, (a: Ranking, b: Ranking) => number> = {
    rank: (a, b) => missingLast(rankOf(a, o.method), rankOf(b, o.method)),
    score: (a, b) => missingLast(scoreOf(a, o.method), scoreOf(b, o.method)),
    ward: (a, b) => a.ward_name.localeCompare(b.ward_name),
    lga: (a, b) => (a.lga ?? '').localeCompare(b.lga ?? '') || missingLast(rankOf(a, o.method), rankOf(b, o.method)),
  };
  const sign = o.descending ? -1 : 1;
  return rows.sort((a, b) => sign * compare[o.sort](a, b));
}
