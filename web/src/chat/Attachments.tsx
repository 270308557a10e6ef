/** Tables, maps, plans, downloads and answer options inside the conversation. */
import { Suspense } from 'react';
import type { Attachment, MapAttachment, OptionsAttachment, TableAttachment } from '../api/chat';
import type { Analysis, ItnPlan } from '../api/client';
import { useAnalysis, useArtifactJson } from '../api/queries';
import { DataTable } from '../app/DataTable';
import { Loading } from '../app/feedback';
import { CoverageMap, VariableMap, VulnerabilityMap } from '../map/lazy';
import { useMapShapes, useWardValues } from '../map/shapes';
import { href } from '../route';
import { DownloadLink } from '../results/Downloads';

interface Props {
  attachment: Attachment;
  /** The conversation's analysis, for attachments that do not name theirs. */
  analysisId?: string | null;
  /** Answers a question back with the chosen option (sent as the user's message). */
  onOption: (text: string) => void;
  disabled: boolean;
}

export function AttachmentView({ attachment, analysisId, onOption, disabled }: Props) {
  switch (attachment.kind) {
    case 'table':
      return <TableView table={attachment} />;
    case 'map':
      return <MapView map={attachment} analysisId={analysisId ?? undefined} />;
    case 'plan':
      return (
        <p className="attachment">
          {attachment.title ?? 'Bed-net plan'}:{' '}
          {attachment.totals && typeof attachment.totals.nets_used === 'number'
            ? `${attachment.totals.nets_used.toLocaleString()} nets allocated, ${Number(attachment.totals.coverage_percent ?? 0).toFixed(1)}% of people covered. `
            : ''}
          <a href={href({ view: 'itn', analysis: attachment.analysis_id ?? analysisId ?? undefined })}>Open the ITN planner</a>
        </p>
      );
    case 'download':
      return (
        <p className="attachment">
          <FileLink name={attachment.name} url={attachment.url} analysisId={analysisId ?? undefined} />
        </p>
      );
    case 'options':
      return <Options options={attachment} onOption={onOption} disabled={disabled} />;
    default:
      return null;
  }
}

const cell = (value: unknown) =>
  value == null ? '—' : typeof value === 'number' ? (Number.isInteger(value) ? value.toLocaleString() : value.toFixed(3)) : String(value);

const heading = (column: string) =>
  column === 'lga' ? 'LGA' : column.replace(/_/g, ' ').replace(/\blga\b/g, 'LGA').replace(/^./, (c) => c.toUpperCase());

function TableView({ table }: { table: TableAttachment }) {
  const columns = table.columns.map((c) => ({ label: heading(c), cell: (row: Record<string, unknown>) => cell(row[c]) }));
  return (
    <div className="attachment">
      <DataTable caption={table.title} columns={columns} rows={table.rows} rowKey={(_, i) => i} />
    </div>
  );
}

/** A file of the analysis, with a fresh link on click (the attachment's own lasts 5 minutes). */
function FileLink({ name, url, analysisId }: { name: string; url?: string; analysisId?: string }) {
  const artifacts = useAnalysis(analysisId).data?.artifacts;
  if (analysisId && artifacts?.includes(name)) return <DownloadLink analysisId={analysisId} name={name} />;
  return url ? <a href={url}>{name}</a> : <span>{name}</span>;
}

type Drawn = { kind: 'vulnerability' | 'variable'; method?: 'pca' } | { kind: 'coverage'; plan: string };

/** The maps the app draws itself from the analysis's shapes (the HTML file stays a download). */
export function drawnMap(name: string): Drawn | undefined {
  if (name === 'vulnerability_map.html') return { kind: 'vulnerability' };
  if (name === 'pca_map.html') return { kind: 'vulnerability', method: 'pca' };
  if (name === 'variable_maps.html') return { kind: 'variable' };
  const plan = /^itn-coverage-(.+)\.html$/.exec(name)?.[1];
  return plan ? { kind: 'coverage', plan } : undefined;
}

/** A map drawn here from the analysis's shapes, and its file. */
function MapView({ map, analysisId }: { map: MapAttachment; analysisId?: string }) {
  const drawn = drawnMap(map.name);
  return (
    <div className="attachment">
      {map.title && <p>{map.title}</p>}
      {drawn && analysisId && <InlineMap analysisId={analysisId} drawn={drawn} />}
      <p>
        <FileLink name={map.name} url={map.url} analysisId={analysisId} />
      </p>
    </div>
  );
}

function InlineMap({ analysisId, drawn }: { analysisId: string; drawn: Drawn }) {
  const analysis = useAnalysis(analysisId).data;
  if (!analysis) return <Loading what="the map" />;
  return <InlineMapOf analysis={analysis} drawn={drawn} />;
}

function InlineMapOf({ analysis, drawn }: { analysis: Analysis; drawn: Drawn }) {
  const shapes = useMapShapes(analysis.analysis_id);
  const lgas = shapes.lgas;
  const values = useWardValues(analysis.analysis_id, drawn.kind === 'variable');
  const wards = drawn.kind === 'variable' ? values.wards : shapes.wards;
  const plan = useArtifactJson<ItnPlan>(analysis.analysis_id, drawn.kind === 'coverage' ? `itn-plan-${drawn.plan}.json` : '', drawn.kind === 'coverage');
  if (!wards || (drawn.kind === 'coverage' && !plan.data)) return <Loading what="the map" />;
  return (
    <Suspense fallback={<Loading what="the map" />}>
      {drawn.kind === 'coverage' ? (
        <CoverageMap wards={wards} lgas={lgas} plan={plan.data!} />
      ) : drawn.kind === 'variable' ? (
        <VariableMap wards={wards} lgas={lgas} dictionary={shapes.dictionary} />
      ) : (
        <VulnerabilityMap wards={wards} lgas={lgas} method={drawn.method ?? 'composite'} />
      )}
    </Suspense>
  );
}

function Options({ options, onOption, disabled }: { options: OptionsAttachment; onOption: (text: string) => void; disabled: boolean }) {
  return (
    <div className="options attachment" role="group" aria-label="Answers">
      {options.options.map((option) => {
        const label = typeof option === 'string' ? option : (option.label ?? option.value ?? '');
        const value = typeof option === 'string' ? option : (option.value ?? option.label ?? '');
        return (
          <button key={value} type="button" disabled={disabled} onClick={() => onOption(value)}>
            {label}
          </button>
        );
      })}
    </div>
  );
}
