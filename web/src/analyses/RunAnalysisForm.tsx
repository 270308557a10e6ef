/** The analysis request: method, the variables with their direction (or the preset's choice), preset. */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { call, type CreateAnalysis, type Dataset } from '../api/client';
import { keys } from '../api/queries';
import { useServices } from '../app/context';
import { Problem } from '../app/feedback';

type Direction = 'direct' | 'inverse';
const MAX_VARIABLES = 10;

export function RunAnalysisForm({ dataset, onStarted }: { dataset: Dataset; onStarted: (analysisId: string) => void }) {
  const { api } = useServices();
  const client = useQueryClient();
  const variables = dataset.summary?.variables ?? [];
  const [method, setMethod] = useState<CreateAnalysis['method']>('both');
  const [preset, setPreset] = useState<CreateAnalysis['preset']>('default');
  const [chosen, setChosen] = useState<string[]>([]);
  const [directions, setDirections] = useState<Record<string, Direction>>(() =>
    Object.fromEntries(variables.map((v) => [v.name, v.direction])),
  );
  const [problem, setProblem] = useState('');

  const run = useMutation({
    mutationFn: (body: CreateAnalysis) => call(api.POST('/analyses', { body })),
    onSuccess: (queued) => {
      void client.invalidateQueries({ queryKey: keys.analyses });
      onStarted(queued.analysis_id);
    },
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    if (chosen.length === 1 || chosen.length > MAX_VARIABLES) {
      setProblem(`Tick between 2 and ${MAX_VARIABLES} variables, or none to let the preset choose.`);
      return;
    }
    setProblem('');
    const picked = variables.filter((v) => chosen.includes(v.name)).map((v) => v.name);
    run.mutate({
      dataset_id: dataset.dataset_id,
      method,
      preset,
      ...(picked.length
        ? { variables: picked, directions: Object.fromEntries(picked.map((name) => [name, directions[name]])) }
        : {}),
    });
  }

  const toggle = (name: string, on: boolean) =>
    setChosen((list) => (on ? [...list, name] : list.filter((n) => n !== name)));

  return (
    <form onSubmit={submit} className="run-form">
      <h3>Analyse this dataset</h3>
      <fieldset>
        <legend>Method</legend>
        {(
          [
            ['both', 'Composite score and PCA'],
            ['composite', 'Composite score only'],
            ['pca', 'PCA only'],
          ] as const
        ).map(([value, text]) => (
          <label key={value} className="inline">
            <input type="radio" name="method" value={value} checked={method === value} onChange={() => setMethod(value)} />
            {text}
          </label>
        ))}
      </fieldset>
      <label>
        Preset
        <select value={preset} onChange={(e) => setPreset(e.target.value as CreateAnalysis['preset'])}>
          <option value="default">Default (recommended)</option>
          <option value="mrpt-legacy">MRPT legacy (the numbers the old tool published)</option>
        </select>
      </label>
      {variables.length > 0 && (
        <fieldset>
          <legend>Variables</legend>
          <p className="hint">
            Leave all unticked to let the preset choose for the state. For each ticked variable, say whether a higher value
            means more or less malaria risk.
          </p>
          <div className="scroll" tabIndex={0} role="group" aria-label="Variables to use">
            <table className="variables">
              <thead>
                <tr>
                  <th scope="col">Use</th>
                  <th scope="col">Variable</th>
                  <th scope="col">Range</th>
                  <th scope="col">Higher value means</th>
                </tr>
              </thead>
              <tbody>
                {variables.map((v) => (
                  <tr key={v.name}>
                    <td>
                      <input
                        type="checkbox"
                        aria-label={`Use ${v.name}`}
                        checked={chosen.includes(v.name)}
                        onChange={(e) => toggle(v.name, e.target.checked)}
                      />
                    </td>
                    <td>{v.name}</td>
                    <td>{v.min == null ? '—' : `${format(v.min)} to ${format(v.max)}`}</td>
                    <td>
                      <select
                        aria-label={`Direction of ${v.name}`}
                        value={directions[v.name]}
                        onChange={(e) => setDirections((d) => ({ ...d, [v.name]: e.target.value as Direction }))}
                      >
                        <option value="direct">more risk</option>
                        <option value="inverse">less risk</option>
                      </select>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </fieldset>
      )}
      {problem && (
        <p role="alert" className="problem">
          {problem}
        </p>
      )}
      {run.error && <Problem error={run.error} />}
      <button type="submit" disabled={run.isPending}>
        Run analysis
      </button>
    </form>
  );
}

const format = (n: number | null | undefined) =>
  n == null ? '—' : Math.abs(n) >= 1000 ? Math.round(n).toLocaleString() : Number(n.toPrecision(3)).toString();
