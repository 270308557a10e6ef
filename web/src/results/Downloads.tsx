/** Every file of the analysis, as a link named by its file name; the report first. */
import { useId, useState } from 'react';
import { describeError } from '../api/errors';
import { useServices } from '../app/context';
import { downloadArtifact } from './download';

const DESCRIPTIONS: [RegExp, string][] = [
  [/^report\.html$/, 'the full report to read or share'],
  [/\.csv$/, 'a table for Excel or any spreadsheet'],
  [/\.xlsx$/, 'an Excel workbook'],
  [/\.geojson$/, 'ward shapes for GIS software such as QGIS'],
  [/_map\.html$|^itn-coverage-.*\.html$/, 'an interactive map page'],
  [/\.json$/, 'data for other software'],
];

const describe = (name: string) => DESCRIPTIONS.find(([pattern]) => pattern.test(name))?.[1];
const order = (name: string) => (name === 'report.html' ? 0 : name.startsWith('rankings.') ? 1 : 2);

interface DownloadsProps {
  analysisId: string;
  artifacts: string[];
  title?: string;
}

export function Downloads({ analysisId, artifacts, title = 'Report and downloads' }: DownloadsProps) {
  const sorted = [...artifacts].sort((a, b) => order(a) - order(b) || a.localeCompare(b));
  const id = useId();
  return (
    <section aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      <ul className="downloads">
        {sorted.map((name) => (
          <li key={name}>
            <DownloadLink analysisId={analysisId} name={name} description={describe(name)} />
          </li>
        ))}
      </ul>
    </section>
  );
}

export function DownloadLink({ analysisId, name, description }: { analysisId: string; name: string; description?: string }) {
  const { api } = useServices();
  const [state, setState] = useState<{ busy?: boolean; error?: string }>({});
  async function save(event: React.MouseEvent) {
    event.preventDefault();
    setState({ busy: true });
    try {
      await downloadArtifact(api, analysisId, name);
      setState({});
    } catch (error) {
      setState({ error: describeError(error) });
    }
  }
  return (
    <span className="download">
      <a href={`#download-${name}`} onClick={save} aria-busy={state.busy || undefined}>
        {name}
      </a>
      {description && <span className="hint"> — {description}</span>}
      {state.busy && <span role="status"> downloading…</span>}
      {state.error && (
        <span role="alert" className="problem">
          {' '}
          {state.error}
        </span>
      )}
    </span>
  );
}
