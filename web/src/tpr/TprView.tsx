/** TPR: the ward test positivity rate from a dataset's facility export, with the options a programme asks for. */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { call, type ComputeTpr, type TprResult } from '../api/client';
import { keys, useDatasets } from '../api/queries';
import { useServices } from '../app/context';
import { DataTable, orDash, type Column } from '../app/DataTable';
import { Loading, Problem, Warnings } from '../app/feedback';
import { href, useRoute } from '../route';

type Options = Required<Pick<ComputeTpr, 'age' | 'level' | 'test'>> & Pick<ComputeTpr, 'period_from' | 'period_to'>;

const AGES: [Options['age'], string][] = [
  ['all', 'All ages'],
  ['u5', 'Children under 5'],
  ['o5', 'People over 5'],
  ['pw', 'Pregnant women'],
];
const LEVELS: [Options['level'], string][] = [
  ['all', 'All facilities'],
  ['primary', 'Primary'],
  ['secondary', 'Secondary'],
  ['tertiary', 'Tertiary'],
];
const TESTS: [Options['test'], string][] = [
  ['both', 'RDT and microscopy'],
  ['rdt', 'RDT only'],
  ['microscopy', 'Microscopy only'],
];

export default function TprView() {
  const [route, navigate] = useRoute();
  const datasets = useDatasets();
  if (datasets.error) return <Problem error={datasets.error} retry={() => void datasets.refetch()} />;
  if (datasets.isPending) return <Loading what="your datasets" />;
  const withExport = datasets.data.items.filter((d) => d.files.tpr && d.status === 'READY');
  const chosen = withExport.find((d) => d.dataset_id === route.dataset) ?? withExport[0];
  return (
    <div className="tpr">
      <h1>Test positivity rate</h1>
      {!chosen ? (
        <p>
          None of your ready datasets has a facility export. Upload one (with the boundaries) under{' '}
          <a href={href({ view: 'datasets' })}>your datasets</a>.
        </p>
      ) : (
        <>
          {withExport.length > 1 && (
            <label className="picker">
              Dataset
              <select value={chosen.dataset_id} onChange={(e) => navigate({ dataset: e.target.value })}>
                {withExport.map((d) => (
                  <option key={d.dataset_id} value={d.dataset_id}>
                    {d.name}
                  </option>
                ))}
              </select>
            </label>
          )}
          <TprForm key={chosen.dataset_id} datasetId={chosen.dataset_id} />
        </>
      )}
    </div>
  );
}

function TprForm({ datasetId }: { datasetId: string }) {
  const { api } = useServices();
  const client = useQueryClient();
  const [options, setOptions] = useState<Options>({ age: 'all', level: 'all', test: 'both' });
  const set = (patch: Partial<Options>) => setOptions((o) => ({ ...o, ...patch }));
  const compute = useMutation({
    mutationFn: (body: ComputeTpr) =>
      call(api.POST('/datasets/{dataset_id}/tpr', { params: { path: { dataset_id: datasetId } }, body })),
    onSuccess: () => void client.invalidateQueries({ queryKey: keys.dataset(datasetId) }),
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    compute.mutate({
      ...options,
      period_from: options.period_from?.trim() || null,
      period_to: options.period_to?.trim() || null,
    });
  }
  return (
    <>
      <form onSubmit={submit} className="tpr-form">
        <h2>Compute ward TPR</h2>
        <Choice label="Age group" value={options.age} choices={AGES} onChange={(age) => set({ age })} />
        <Choice label="Facility level" value={options.level} choices={LEVELS} onChange={(level) => set({ level })} />
        <Choice label="Test" value={options.test} choices={TESTS} onChange={(test) => set({ test })} />
        <label>
          First period (optional)
          <input value={options.period_from ?? ''} placeholder="e.g. 2024-01" onChange={(e) => set({ period_from: e.target.value })} />
        </label>
        <label>
          Last period (optional)
          <input value={options.period_to ?? ''} placeholder="e.g. 2024-12" onChange={(e) => set({ period_to: e.target.value })} />
        </label>
        {compute.error && <Problem error={compute.error} />}
        <button type="submit" disabled={compute.isPending}>
          Compute TPR
        </button>
      </form>
      {compute.isPending && <Loading what="the test positivity rate" />}
      {compute.data && <TprTable result={compute.data} />}
    </>
  );
}

function Choice<T extends string>({
  label,
  value,
  choices,
  onChange,
}: {
  label: string;
  value: T;
  choices: [T, string][];
  onChange: (value: T) => void;
}) {
  return (
    <label>
      {label}
      <select value={value} onChange={(e) => onChange(e.target.value as T)}>
        {choices.map(([v, text]) => (
          <option key={v} value={v}>
            {text}
          </option>
        ))}
      </select>
    </label>
  );
}

const percent = (tpr: number | null) => (tpr == null ? '—' : `${tpr.toFixed(1)}%`); // the API gives 0..100

const TPR_COLUMNS: Column<TprResult['wards'][number]>[] = [
  { label: 'Ward', cell: (w) => orDash(w.ward_name ?? w.ward_code), rowHeader: true },
  { label: 'LGA', cell: (w) => orDash(w.lga) },
  { label: 'TPR', cell: (w) => percent(w.tpr) },
  { label: 'Positive', cell: (w) => orDash(w.positives?.toLocaleString()) },
  { label: 'Tested', cell: (w) => orDash(w.tested?.toLocaleString()) },
  { label: 'Facilities', cell: (w) => orDash(w.facilities) },
];

function TprTable({ result }: { result: TprResult }) {
  return (
    <section aria-labelledby="tpr-result-title">
      <h2 id="tpr-result-title">Result</h2>
      <p role="status">
        {result.wards_with_tpr} of {result.wards_total} wards have a TPR; {result.wards_without_tpr} have no tests in the
        export. It is used in analyses as the variable {result.column}.
        {result.flagged_rows > 0 &&
          ` ${result.flagged_rows} report ${result.flagged_rows === 1 ? 'row has' : 'rows have'} more positives than tests: check them in the facility export.`}
      </p>
      <Warnings warnings={result.warnings} />
      <p>
        <a href={result.series_url}>TPR by period (CSV)</a> <span className="hint">— the link works for 5 minutes.</span>
      </p>
      <DataTable caption="Ward test positivity rate" columns={TPR_COLUMNS} rows={result.wards} rowKey={(w, i) => w.ward_code ?? i} />
    </section>
  );
}
