/** ITN planner: total nets, household size and urban threshold in, the plan's table, totals and coverage map out. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Suspense, useState, type FormEvent } from 'react';
import { WithAnalysis } from '../analyses/AnalysisPicker';
import { call, type Analysis, type ItnPlan } from '../api/client';
import { keys } from '../api/queries';
import { useServices } from '../app/context';
import { DataTable, orDash, type Column } from '../app/DataTable';
import { Loading, Problem, Problems, Warnings } from '../app/feedback';
import { CoverageMap } from '../map/lazy';
import { useMapShapes } from '../map/shapes';
import { Downloads } from '../results/Downloads';

export default function ItnView() {
  return (
    <div className="itn">
      <h1>ITN planner</h1>
      <p className="lead">
        Share insecticide-treated nets among the wards, most vulnerable first: rural wards are covered before urban ones.
      </p>
      <WithAnalysis>{(analysis) => <Planner analysis={analysis} />}</WithAnalysis>
    </div>
  );
}

interface Inputs {
  totalNets: string;
  householdSize: string;
  urbanThreshold: string;
  method: 'composite' | 'pca';
}

/** Sentences for what must change before planning; empty when the inputs are fine. */
export function checkPlanInputs(inputs: Inputs): string[] {
  const problems: string[] = [];
  const nets = Number(inputs.totalNets.replace(/[\s,]/g, ''));
  if (!inputs.totalNets.trim() || !Number.isInteger(nets) || nets < 1) {
    problems.push('Total nets: enter the number of nets you have, a whole number such as 2000000.');
  }
  const household = Number(inputs.householdSize);
  if (!(household > 0 && household <= 100)) problems.push('Household size: enter the average number of people per household, e.g. 5.');
  const threshold = Number(inputs.urbanThreshold);
  if (inputs.urbanThreshold.trim() === '' || !(threshold >= 0 && threshold <= 100)) {
    problems.push('Urban threshold: enter a percentage between 0 and 100, e.g. 75.');
  }
  return problems;
}

function Planner({ analysis }: { analysis: Analysis }) {
  const { api } = useServices();
  const client = useQueryClient();
  const [inputs, setInputs] = useState<Inputs>({
    totalNets: '',
    householdSize: '5',
    urbanThreshold: '75',
    method: analysis.request.method === 'pca' ? 'pca' : 'composite',
  });
  const [problems, setProblems] = useState<string[]>([]);
  const set = (patch: Partial<Inputs>) => setInputs((i) => ({ ...i, ...patch }));
  const plan = useMutation({
    mutationFn: () =>
      call(
        api.POST('/analyses/{analysis_id}/itn-plans', {
          params: { path: { analysis_id: analysis.analysis_id } },
          body: {
            total_nets: Number(inputs.totalNets.replace(/[\s,]/g, '')),
            household_size: Number(inputs.householdSize),
            urban_threshold: Number(inputs.urbanThreshold),
            method: inputs.method,
          },
        }),
      ),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: keys.itnPlans(analysis.analysis_id) });
      void client.invalidateQueries({ queryKey: keys.analysis(analysis.analysis_id) });
    },
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    const found = checkPlanInputs(inputs);
    setProblems(found);
    if (!found.length) plan.mutate();
  }

  return (
    <>
      <form onSubmit={submit} noValidate className="itn-form">
        <h2>Plan a distribution</h2>
        <label>
          Total nets
          <input type="number" min={1} step={1} inputMode="numeric" value={inputs.totalNets} onChange={(e) => set({ totalNets: e.target.value })} />
        </label>
        <label>
          Household size
          <input type="number" min={0.1} max={100} step={0.1} value={inputs.householdSize} onChange={(e) => set({ householdSize: e.target.value })} />
        </label>
        <label>
          Urban threshold
          <input
            type="number"
            min={0}
            max={100}
            step={1}
            aria-describedby="threshold-hint"
            value={inputs.urbanThreshold}
            onChange={(e) => set({ urbanThreshold: e.target.value })}
          />
        </label>
        <small id="threshold-hint">Percent urban above which a ward counts as urban and is covered after the rural wards.</small>
        {analysis.request.method === 'both' && (
          <label>
            Ranking used
            <select value={inputs.method} onChange={(e) => set({ method: e.target.value as Inputs['method'] })}>
              <option value="composite">Composite score</option>
              <option value="pca">PCA</option>
            </select>
          </label>
        )}
        <Problems problems={problems} />
        {plan.error && <Problem error={plan.error} />}
        <button type="submit" disabled={plan.isPending}>
          Plan nets
        </button>
      </form>
      {plan.isPending && <Loading what="the plan" />}
      {plan.data && <PlanResult analysis={analysis} plan={plan.data} />}
      <EarlierPlans analysisId={analysis.analysis_id} />
    </>
  );
}

const n = (value: number) => Math.round(value).toLocaleString();

export function totalsSentences(plan: ItnPlan): string[] {
  const t = plan.totals;
  const covered = Object.values(t.wards_covered).reduce((a, b) => a + b, 0);
  const partial = Object.values(t.wards_partial).reduce((a, b) => a + b, 0);
  return [
    `${n(t.nets_used)} of ${n(t.nets_total)} nets are allocated; ${n(t.nets_left)} are left over.`,
    `They cover ${n(t.people_covered)} people: ${t.coverage_percent.toFixed(1)}% of the ${n(t.population_planned)} people in the planned wards (${n(t.nets_needed)} nets would cover everyone).`,
    `${covered} wards are fully covered, ${partial} partly, ${t.wards_without_nets} get no nets${t.wards_unplanned ? ` and ${t.wards_unplanned} could not be planned (no population)` : ''}.`,
  ];
}

const PHASES: Record<ItnPlan['rows'][number]['phase'], string> = {
  rural_full: 'rural, full',
  rural_partial: 'rural, partly',
  urban_full: 'urban, full',
  urban_partial: 'urban, partly',
  none: 'no nets',
};

const PLAN_COLUMNS: Column<ItnPlan['rows'][number]>[] = [
  { label: 'Rank', cell: (r) => r.rank },
  { label: 'Ward', cell: (r) => r.ward_name ?? r.ward_code, rowHeader: true },
  { label: 'LGA', cell: (r) => orDash(r.lga) },
  { label: 'Population', cell: (r) => (r.population == null ? '—' : n(r.population)) },
  { label: 'Nets', cell: (r) => r.nets_allocated.toLocaleString() },
  { label: 'Coverage', cell: (r) => (r.coverage_percent == null ? '—' : `${r.coverage_percent.toFixed(0)}%`) },
  { label: 'Phase', cell: (r) => PHASES[r.phase] },
];

function PlanResult({ analysis, plan }: { analysis: Analysis; plan: ItnPlan }) {
  const { wards, lgas } = useMapShapes(analysis.analysis_id);
  return (
    <section className="plan" aria-labelledby="plan-title">
      <h2 id="plan-title">The plan</h2>
      <div role="status">
        <ul className="totals">
          {totalsSentences(plan).map((s) => (
            <li key={s}>{s}</li>
          ))}
        </ul>
      </div>
      <Warnings warnings={plan.warnings} />
      {wards && (
        <Suspense fallback={<Loading what="the map" />}>
          <CoverageMap wards={wards} lgas={lgas} plan={plan} />
        </Suspense>
      )}
      <DataTable caption="Net distribution plan" columns={PLAN_COLUMNS} rows={plan.rows} rowKey={(r) => r.ward_code} />
      <Downloads analysisId={analysis.analysis_id} artifacts={plan.artifacts} title="Plan downloads" />
    </section>
  );
}

function EarlierPlans({ analysisId }: { analysisId: string }) {
  const { api } = useServices();
  const plans = useQuery({
    queryKey: keys.itnPlans(analysisId),
    queryFn: () => call(api.GET('/analyses/{analysis_id}/itn-plans', { params: { path: { analysis_id: analysisId } } })),
  });
  if (plans.error) return <Problem error={plans.error} retry={() => void plans.refetch()} />;
  if (!plans.data?.items.length) return null;
  return (
    <section aria-labelledby="earlier-title">
      <h2 id="earlier-title">Plans made for this analysis</h2>
      <ul>
        {plans.data.items.map((p) => (
          <li key={p.plan_id}>
            {new Date(p.created_at).toLocaleString()}: {p.total_nets.toLocaleString()} nets, households of {p.household_size},
            urban above {p.urban_threshold}% — {p.totals.coverage_percent.toFixed(1)}% of people covered.
          </li>
        ))}
      </ul>
    </section>
  );
}
