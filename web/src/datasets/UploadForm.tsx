/** The upload form and each file's progress (with Retry once the automatic retries gave up). */
import { useId, useState, type FormEvent } from 'react';
import { Problems } from '../app/feedback';
import { checkUpload, SLOTS, type ChosenFile, type FileSlot } from './files';
import { useUploader, type FileUpload } from './uploader';

export function UploadForm() {
  const uploader = useUploader();
  const [generation, setGeneration] = useState(0); // a new value clears the form after an upload
  return <UploadFields key={generation} onStarted={() => setGeneration((g) => g + 1)} busy={uploader.busy} />;
}

function UploadFields({ onStarted, busy }: { onStarted: () => void; busy: boolean }) {
  const uploader = useUploader();
  const [name, setName] = useState('');
  const [files, setFiles] = useState<Partial<Record<string, File>>>({});
  const [problems, setProblems] = useState<string[]>([]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const chosen: ChosenFile[] = SLOTS.flatMap((slot) => {
      const file = files[slot.role];
      return file ? [{ role: slot.role, file }] : [];
    });
    const found = checkUpload(name, chosen);
    setProblems(found);
    if (found.length) return;
    const datasetId = await uploader.start(name, chosen);
    if (datasetId) onStarted();
  }

  return (
    <form onSubmit={submit} noValidate className="upload-form">
      <h2>Upload ward data</h2>
      <label>
        Dataset name
        <input value={name} onChange={(e) => setName(e.target.value)} maxLength={200} placeholder="e.g. Niger State, March" />
      </label>
      {SLOTS.map((slot) => (
        <FileField key={slot.role} slot={slot} onChoose={(file) => setFiles((f) => ({ ...f, [slot.role]: file }))} />
      ))}
      <Problems problems={problems} />
      <button type="submit" disabled={busy}>
        Upload
      </button>
      <UploadProgress />
    </form>
  );
}

/** A file input labelled with its slot's name (the accessible name the browser tests use), and its hint. */
export function FileField({ slot, onChoose }: { slot: FileSlot; onChoose: (file: File | undefined) => void }) {
  const hint = useId();
  return (
    <div className="file-field">
      <label>
        {slot.label}
        <input
          type="file"
          accept={slot.extensions.join(',')}
          aria-describedby={hint}
          onChange={(e) => onChoose(e.target.files?.[0])}
        />
      </label>
      <small id={hint}>{slot.hint}</small>
    </div>
  );
}

/** The files of this tab's upload begun where it is shown: the form, or (`resumed`) the dataset's view. */
export function UploadProgress({ resumed = false }: { resumed?: boolean }) {
  const { batch, retry } = useUploader();
  if (!batch || !!batch.resumed !== resumed) return null;
  if (batch.error) {
    return (
      <p role="alert" className="problem">
        {batch.error}
      </p>
    );
  }
  return (
    <ul className="uploads" aria-label="Files being sent">
      {batch.files.map((f) => (
        <FileRow key={f.role} upload={f} onRetry={() => retry(f.role)} />
      ))}
    </ul>
  );
}

const kilobytes = (bytes: number) => `${Math.round(bytes / 1024).toLocaleString()} KB`;

function FileRow({ upload, onRetry }: { upload: FileUpload; onRetry: () => void }) {
  const { file, loaded, state, error } = upload;
  const percent = file.size ? Math.floor((100 * loaded) / file.size) : 100;
  return (
    <li className={`upload-${state}`}>
      <span className="file-name">{file.name}</span>{' '}
      {state === 'sending' && (
        <>
          <progress max={100} value={percent} aria-label={`Sending ${file.name}`} />{' '}
          <span>
            {percent}% ({kilobytes(loaded)} of {kilobytes(file.size)})
          </span>
        </>
      )}
      {state === 'done' && <span>sent</span>}
      {state === 'failed' && (
        <span role="alert">
          {error}{' '}
          <button type="button" onClick={onRetry}>
            Retry {file.name}
          </button>
        </span>
      )}
    </li>
  );
}
