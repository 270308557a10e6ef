/** Results: the ward rankings table of the chosen analysis and every file it produced. */
import { WithAnalysis } from '../analyses/AnalysisPicker';
import { useRankings } from '../api/queries';
import { Loading, Problem } from '../app/feedback';
import { Downloads } from './Downloads';
import { RankingsTable } from './RankingsTable';

export default function ResultsView() {
  return (
    <div className="results">
      <h1>Results</h1>
      <WithAnalysis>
        {(analysis) => (
          <>
            <Downloads analysisId={analysis.analysis_id} artifacts={analysis.artifacts} />
            <Rankings analysisId={analysis.analysis_id} />
          </>
        )}
      </WithAnalysis>
    </div>
  );
}

function Rankings({ analysisId }: { analysisId: string }) {
  const rankings = useRankings(analysisId);
  if (rankings.error) return <Problem error={rankings.error} retry={() => void rankings.refetch()} />;
  if (!rankings.data) return <Loading what="the ward rankings" />;
  return <RankingsTable rankings={rankings.data} />;
}
