/** A dataset's validation report in plain words: what matched, what did not and what to fix. */
import type { Dataset, DatasetSummary, Issue } from '../api/client';
import { Warnings } from '../app/feedback';

const MATCH_WORDS: Record<string, string> = {
  by_code: 'by ward code',
  by_name: 'by name',
  fuzzy: 'by a close spelling of the name',
};

const UNMATCHED_WHY: Record<string, string> = {
  no_candidate: 'no boundary ward has a similar name',
  tie: 'it is equally close to several boundary wards',
  below_threshold: 'no boundary ward name is close enough',
  best_match_taken: 'its closest boundary ward was matched by another row',
  claimed_by_several_rows: 'several rows claim the same boundary ward',
};

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString()} ${n === 1 ? one : many}`;

/** "In Niger_plus.csv, row 12, column pfpr: ..." */
export function issueSentence(issue: Issue): string {
  const where = [
    issue.file && `In ${issue.file}`,
    issue.row != null && `row ${issue.row}`,
    issue.column && `column ${issue.column}`,
  ].filter(Boolean);
  return where.length ? `${where.join(', ')}: ${issue.message}` : issue.message;
}

export function matchSentence(summary: DatasetSummary): string {
  const parts = Object.entries(summary.matched)
    .filter(([, n]) => n > 0)
    .map(([how, n]) => `${n.toLocaleString()} ${MATCH_WORDS[how] ?? how.replace(/_/g, ' ')}`);
  const matched = Object.values(summary.matched).reduce((a, b) => a + b, 0);
  const state = summary.state ? ` in ${summary.state}` : '';
  return (
    `${plural(summary.wards, 'ward')}${state}. ${plural(matched, 'data row')} matched a boundary ward` +
    (parts.length ? `: ${parts.join(', ')}.` : '.')
  );
}

export function ValidationReport({ dataset }: { dataset: Dataset }) {
  const { summary, errors, warnings } = dataset;
  return (
    <section className="report" aria-labelledby="report-title">
      <h3 id="report-title">What we found in your files</h3>
      {errors.length > 0 && (
        <div role="alert" className="problem">
          <p>
            {dataset.status === 'INVALID'
              ? 'These files cannot be analysed yet. Fix the following in your files, then upload them again:'
              : 'Problems found:'}
          </p>
          <ul>
            {errors.map((issue, i) => (
              <li key={i}>{issueSentence(issue)}</li>
            ))}
          </ul>
        </div>
      )}
      {summary && <SummaryReport summary={summary} />}
      {warnings.length > 0 && <h4>Please check</h4>}
      <Warnings warnings={warnings} />
    </section>
  );
}

function SummaryReport({ summary }: { summary: DatasetSummary }) {
  const unmatched = summary.unmatched_wards ?? [];
  const withoutData = summary.boundaries_without_data ?? 0;
  return (
    <>
      <p>{matchSentence(summary)}</p>
      {summary.unmatched > 0 && (
        <>
          <p>
            {plural(summary.unmatched, 'data row')} matched no boundary ward and will be left out. To include them, correct
            the ward name (or add the ward code) in the ward data file and upload it again.
          </p>
          {unmatched.length > 0 && (
            <ul>
              {unmatched.map((w, i) => (
                <li key={i}>
                  {w.ward_name}: {UNMATCHED_WHY[w.reason] ?? w.reason}.
                </li>
              ))}
            </ul>
          )}
        </>
      )}
      {withoutData > 0 && (
        <p>
          {plural(withoutData, 'boundary ward')} {withoutData === 1 ? 'has' : 'have'} no row in the ward data; {withoutData === 1 ? 'it is' : 'they are'} drawn grey on the maps.
        </p>
      )}
      {summary.variables.length > 0 && (
        <p>
          {plural(summary.variables.length, 'variable')} can be used:{' '}
          {summary.variables
            .map((v) => (v.missing ? `${v.name} (${plural(v.missing, 'ward')} missing, filled in by the analysis)` : v.name))
            .join(', ')}
          .
        </p>
      )}
    </>
  );
}
