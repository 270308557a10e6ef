/** Datasets: upload, the chosen dataset's report and analysis form, the analysis's progress, the list. */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { AnalysisProgress } from '../analyses/AnalysisProgress';
import { RunAnalysisForm } from '../analyses/RunAnalysisForm';
import { call, type Dataset, type UploadRole } from '../api/client';
import { keys, useDataset, useDatasets } from '../api/queries';
import { useServices } from '../app/context';
import { Loading, Problem } from '../app/feedback';
import { href, useRoute } from '../route';
import { FinishUpload } from './FinishUpload';
import { UploadForm, UploadProgress } from './UploadForm';
import { useUploader } from './uploader';
import { ValidationReport } from './ValidationReport';

export default function DatasetsView() {
  const [route] = useRoute();
  return (
    <div className="datasets">
      <h1>Datasets</h1>
      <UploadForm />
      {route.dataset && <DatasetPanel datasetId={route.dataset} analysisId={route.analysis} />}
      <DatasetList current={route.dataset} />
    </div>
  );
}

const STATUS_WORDS: Record<Dataset['status'], string> = {
  AWAITING_UPLOAD: 'waiting for its files',
  PROCESSING: 'being checked',
  READY: 'ready to analyse',
  INVALID: 'needs corrected files',
};

function DatasetPanel({ datasetId, analysisId }: { datasetId: string; analysisId?: string }) {
  const [, navigate] = useRoute();
  const uploader = useUploader();
  const uploadingHere = uploader.batch?.datasetId === datasetId;
  const query = useDataset(datasetId, uploadingHere);
  const dataset = query.data;
  const client = useQueryClient();
  const status = dataset?.status;
  useEffect(() => {
    if (status) void client.invalidateQueries({ queryKey: keys.datasets }); // the list shows each status
  }, [status, client]);
  if (query.error && !dataset) return <Problem error={query.error} retry={() => void query.refetch()} />;
  if (!dataset) return <Loading what="the dataset" />;
  const missing = Object.entries(dataset.files)
    .filter(([, f]) => !f.uploaded)
    .map(([role, f]) => ({ role: role as UploadRole, filename: f.filename }));
  return (
    <section className="dataset-panel" aria-labelledby="dataset-title">
      <h2 id="dataset-title">
        {dataset.name} <span className={`status status-${dataset.status}`}>{STATUS_WORDS[dataset.status]}</span>
      </h2>
      {dataset.status === 'AWAITING_UPLOAD' && !uploadingHere && missing.length > 0 && (
        <FinishUpload key={dataset.dataset_id} dataset={dataset} missing={missing} />
      )}
      {dataset.status === 'AWAITING_UPLOAD' && uploadingHere && (
        <p role="status">
          {uploader.busy
            ? 'Sending your files…'
            : uploader.batch?.files.some((f) => f.state === 'failed')
              ? 'A file did not arrive: press Retry beside it.'
              : 'Your files are sent; waiting for the storage to confirm them…'}
        </p>
      )}
      {uploadingHere && <UploadProgress resumed />}
      {dataset.status === 'PROCESSING' && (
        <p role="status">Checking your files: matching the wards to the boundaries and reading the variables. This takes up to a minute.</p>
      )}
      {(dataset.status === 'READY' || dataset.status === 'INVALID') && <ValidationReport dataset={dataset} />}
      {dataset.status === 'READY' && (
        <RunAnalysisForm dataset={dataset} onStarted={(id) => navigate({ analysis: id })} />
      )}
      {analysisId && <AnalysisProgress analysisId={analysisId} />}
      <DeleteDataset dataset={dataset} />
    </section>
  );
}

function DeleteDataset({ dataset }: { dataset: Dataset }) {
  const { api } = useServices();
  const client = useQueryClient();
  const [, navigate] = useRoute();
  const remove = useMutation({
    mutationFn: () => call(api.DELETE('/datasets/{dataset_id}', { params: { path: { dataset_id: dataset.dataset_id } } })),
    onSuccess: () => {
      client.removeQueries({ queryKey: keys.dataset(dataset.dataset_id) });
      void client.invalidateQueries({ queryKey: keys.datasets });
      navigate({ dataset: undefined, analysis: undefined });
    },
  });
  return (
    <div className="danger">
      <button
        type="button"
        disabled={remove.isPending}
        onClick={() => window.confirm(`Delete ${dataset.name} and its files?`) && remove.mutate()}
      >
        Delete this dataset
      </button>
      {remove.error && <Problem error={remove.error} />}
    </div>
  );
}

function DatasetList({ current }: { current?: string }) {
  const query = useDatasets();
  return (
    <section aria-labelledby="list-title">
      <h2 id="list-title">Your datasets</h2>
      {query.error && <Problem error={query.error} retry={() => void query.refetch()} />}
      {query.isPending && <Loading what="your datasets" />}
      {query.data && query.data.items.length === 0 && <p>No datasets yet: upload your ward data above.</p>}
      {query.data && query.data.items.length > 0 && (
        <ul className="dataset-list">
          {query.data.items.map((d) => (
            <li key={d.dataset_id}>
              <a
                href={href({ view: 'datasets', dataset: d.dataset_id, analysis: undefined })}
                aria-current={d.dataset_id === current ? 'true' : undefined}
              >
                {d.name}
              </a>{' '}
              <span className={`status status-${d.status}`}>{STATUS_WORDS[d.status]}</span>{' '}
              <time dateTime={d.created_at}>{new Date(d.created_at).toLocaleString()}</time>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
