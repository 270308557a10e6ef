/** Tables, maps, plans, downloads and answer options inside the conversation. */
import { Suspense } from 'react';
import type { Attachment, MapAttachment, OptionsAttachment, TableAttachment } from '../api/chat';
import { useAnalysis } from '../api/queries';
import { Loading } from '../app/feedback';
import { VariableMap, VulnerabilityMap } from '../map/lazy';
import { useWards } from '../map/useWards';
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
      return <FileLink name={attachment.name} url={attachment.url} analysisId={analysisId ?? undefined} />;
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
  return (
    <div className="scroll attachment" tabIndex={0} role="group" aria-label={`Scrollable table: ${table.title ?? 'table'}`}>
      <table>
        {table.title && <caption>{table.title}</caption>}
        <thead>
          <tr>
            {table.columns.map((c) => (
              <th key={c} scope="col">
                {heading(c)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {table.rows.map((row, i) => (
            <tr key={i}>
              {table.columns.map((c) => (
                <td key={c}>{cell(row[c])}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A file of the analysis, with a fresh link on click (the attachment's own lasts 5 minutes). */
function FileLink({ name, url, analysisId }: { name: string; url?: string; analysisId?: string }) {
  const artifacts = useAnalysis(analysisId).data?.artifacts;
  if (analysisId && artifacts?.includes(name)) return <DownloadLink analysisId={analysisId} name={name} />;
  return url ? <a href={url}>{name}</a> : <span>{name}</span>;
}

const DRAWN: Record<string, { kind: 'vulnerability' | 'variable'; method?: 'pca' }> = {
  'vulnerability_map.html': { kind: 'vulnerability' },
  'pca_map.html': { kind: 'vulnerability', method: 'pca' },
  'variable_maps.html': { kind: 'variable' },
};

/** A vulnerability or variable map drawn here from the analysis's shapes, and its file. */
function MapView({ map, analysisId }: { map: MapAttachment; analysisId?: string }) {
  const drawn = DRAWN[map.name];
  return (
    <div className="attachment">
      {map.title && <p>{map.title}</p>}
      {drawn && analysisId && <InlineMap analysisId={analysisId} kind={drawn.kind} method={drawn.method} />}
      <FileLink name={map.name} url={map.url} analysisId={analysisId} />
    </div>
  );
}

function InlineMap({ analysisId, kind, method }: { analysisId: string; kind: string; method?: string }) {
  const analysis = useAnalysis(analysisId).data;
  if (!analysis) return <Loading what="the map" />;
  return <InlineMapOf analysis={analysis} kind={kind} method={method === 'pca' ? 'pca' : 'composite'} />;
}

function InlineMapOf({ analysis, kind, method }: { analysis: NonNullable<ReturnType<typeof useAnalysis>['data']>; kind: string; method: 'pca' | 'composite' }) {
  const { wards, lgas } = useWards(analysis);
  if (!wards) return <Loading what="the ward shapes" />;
  return (
    <Suspense fallback={<Loading what="the map" />}>
      {kind === 'variable' ? <VariableMap wards={wards} lgas={lgas} /> : <VulnerabilityMap wards={wards} lgas={lgas} method={method} />}
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
