/** The maps of the lazily loaded map chunk: vulnerability categories, one variable, ITN coverage. */
import { useId, useMemo, useState } from 'react';
import type { Category, ItnPlan } from '../api/client';
import type { Method } from '../results/rankings';
import { Choropleth } from './Choropleth';
import {
  CATEGORY_COLORS,
  NO_DATA,
  categoryLegend,
  type CategoryStats,
  type Dictionary,
  formatNumber,
  heading,
  riskScale,
  riskTitle,
  wardKey,
  type LegendItem,
  type Lgas,
  type WardFeature,
  type Wards,
} from './geo';

export { shapesOf } from './topology';

const wardName = (w: WardFeature) =>
  `${w.properties.ward_name ?? w.properties.ward_code ?? 'Unnamed ward'}${w.properties.lga ? ` (${w.properties.lga} LGA)` : ''}`;

export interface VulnerabilityMapProps {
  wards: Wards;
  lgas?: Lgas;
  method?: Method;
}

/** High/Medium/Low per ward, as the ward shapes carry them (the ranking's categories and ranks). */
export function VulnerabilityMap({ wards, lgas, method = 'composite' }: VulnerabilityMapProps) {
  const model = useMemo(() => {
    const category = (w: WardFeature): Category | null =>
      (method === 'pca' ? w.properties.pca_category : w.properties.composite_category) ?? null;
    const rank = (w: WardFeature): number | null => (method === 'pca' ? w.properties.pca_rank : w.properties.composite_rank) ?? null;
    const stats: Partial<Record<Category, CategoryStats>> = {};
    let noData = 0;
    for (const w of wards.features) {
      const c = category(w);
      const r = rank(w) ?? 0;
      if (!c) {
        noData += 1;
        continue;
      }
      const s = (stats[c] ??= { count: 0, first: r, last: r });
      s.count += 1;
      s.first = Math.min(s.first, r);
      s.last = Math.max(s.last, r);
    }
    return { category, rank, stats, noData, total: wards.features.length - noData };
  }, [wards, method]);

  return (
    <Choropleth
      label="Vulnerability map"
      legendTitle="Malaria risk of each ward, compared with the other wards"
      wards={wards}
      lgas={lgas}
      fill={(w) => {
        const c = model.category(w);
        return c ? CATEGORY_COLORS[c] : NO_DATA;
      }}
      describe={(w) => {
        const c = model.category(w);
        return c
          ? `${wardName(w)}: ${c} risk, rank ${model.rank(w) ?? '?'} of ${model.total}`
          : `${wardName(w)}: no data`;
      }}
      legend={categoryLegend(model.stats, model.noData)}
      order={(a, b) => (model.rank(a) ?? Infinity) - (model.rank(b) ?? Infinity)}
    />
  );
}

/** The variables a ward map can show (those the wards carry values of), in the order of the labels a person reads. */
export function variablesOf(wards: Wards, labelOf: (name: string) => string): string[] {
  const names = new Set<string>();
  for (const w of wards.features) for (const name of Object.keys(w.properties.values ?? {})) names.add(name);
  return [...names].sort((a, b) => labelOf(a).localeCompare(labelOf(b)));
}

/**
 * One variable's values in the data per ward, named, classed and coloured as the server's variable
 * maps and the report do (the dictionary's label and unit; darker = riskier, by the direction the
 * analysis used); a value missing in the data (filled in for scoring) is grey, as there. Without a
 * dictionary (an older analysis) a variable goes by its column name.
 */
export function VariableMap({ wards, lgas, dictionary }: { wards: Wards; lgas?: Lgas; dictionary?: Dictionary }) {
  const labelOf = (name: string) => dictionary?.[name]?.label ?? name;
  const variables = useMemo(() => variablesOf(wards, labelOf), [wards, dictionary]); // labelOf reads only the dictionary
  const [variable, setVariable] = useState(variables[0] ?? '');
  const id = useId();
  const entry = dictionary?.[variable];
  const direction = entry?.direction;
  const name = entry ? heading(entry) : variable;
  const model = useMemo(() => {
    const valueOf = (w: WardFeature) => {
      const value = w.properties.values?.[variable];
      return typeof value === 'number' && Number.isFinite(value) ? value : null;
    };
    const imputed = (w: WardFeature) => w.properties.imputed?.includes(variable) ?? false;
    const inData = (w: WardFeature) => (imputed(w) ? null : valueOf(w));
    const values = wards.features.map(inData).filter((v): v is number => v !== null);
    const scale = riskScale(values, direction);
    const legend: LegendItem[] = [...scale.legend];
    if (values.length < wards.features.length) legend.push({ color: NO_DATA, label: 'No value in the data for this ward' });
    return { valueOf, imputed, inData, scale, legend };
  }, [wards, variable, direction]);
  if (!variables.length) return <p>The analysis has no ward values to map.</p>;
  const text = (w: WardFeature) => {
    const value = model.valueOf(w);
    if (value === null) return 'has no value';
    return model.imputed(w)
      ? `missing in the data; ${formatNumber(value)} (filled from neighbours) used for scoring`
      : formatNumber(value);
  };
  return (
    <div className="variable-map">
      <label htmlFor={id}>Variable</label>{' '}
      <select id={id} value={variable} onChange={(e) => setVariable(e.target.value)}>
        {variables.map((v) => (
          <option key={v} value={v}>
            {labelOf(v)}
          </option>
        ))}
      </select>
      <Choropleth
        label={`Map of ${name}`}
        legendTitle={riskTitle(name, direction)}
        wards={wards}
        lgas={lgas}
        fill={(w) => {
          const value = model.inData(w);
          return value === null ? NO_DATA : model.scale.color(value);
        }}
        describe={(w) => `${wardName(w)}: ${labelOf(variable)} ${text(w)}`}
        legend={model.legend}
      />
    </div>
  );
}

const COVERAGE: { color: string; label: string; test: (p: number) => boolean }[] = [
  { color: '#006d2c', label: 'Fully covered (100%)', test: (p) => p >= 100 },
  { color: '#41ab5d', label: 'Mostly covered (80% to under 100%)', test: (p) => p >= 80 },
  { color: '#a1d99b', label: 'Partly covered (1% to under 80%)', test: (p) => p > 0 },
  { color: '#fee391', label: 'No nets in this plan', test: () => true },
];

/** How much of each ward's population the plan's nets cover. */
export function CoverageMap({ wards, lgas, plan }: { wards: Wards; lgas?: Lgas; plan: ItnPlan }) {
  const byKey = useMemo(() => new Map(plan.rows.map((r) => [wardKey(r), r])), [plan]);
  const classOf = (w: WardFeature) => {
    const row = byKey.get(wardKey(w.properties));
    if (!row || row.coverage_percent == null) return null;
    return COVERAGE.find((c) => c.test(row.coverage_percent!))!;
  };
  return (
    <Choropleth
      label="Net coverage map"
      legendTitle="Share of each ward's people covered by the planned nets"
      wards={wards}
      lgas={lgas}
      fill={(w) => classOf(w)?.color ?? NO_DATA}
      describe={(w) => {
        const row = byKey.get(wardKey(w.properties));
        return row?.coverage_percent == null
          ? `${wardName(w)}: not in the plan`
          : `${wardName(w)}: ${formatNumber(row.coverage_percent)}% covered, ${row.nets_allocated.toLocaleString()} nets`;
      }}
      legend={[...COVERAGE.map(({ color, label }) => ({ color, label })), { color: NO_DATA, label: 'Not in the plan (no population data)' }]}
      order={(a, b) => (byKey.get(wardKey(a.properties))?.rank ?? Infinity) - (byKey.get(wardKey(b.properties))?.rank ?? Infinity)}
    />
  );
}
