/**
 * A dataset whose upload did not finish (the page was reloaded, or it was begun in another tab):
 * its missing files chosen again and sent on new links to the same dataset, so what arrived is
 * not sent again over a slow, metered link.
 */
import { useState, type FormEvent } from 'react';
import type { Dataset, UploadRole } from '../api/client';
import { Problems } from '../app/feedback';
import { checkMissing, slotOf, type MissingFile } from './files';
import { FileField } from './UploadForm';
import { useUploader } from './uploader';

export function FinishUpload({ dataset, missing }: { dataset: Dataset; missing: MissingFile[] }) {
  const uploader = useUploader();
  const [files, setFiles] = useState<Partial<Record<UploadRole, File>>>({});
  const [problems, setProblems] = useState<string[]>([]);
  const names = missing.map(({ role, filename }) => `${filename} (${slotOf(role)?.label ?? role})`).join(' and ');
  if (!missing.every(({ role }) => slotOf(role))) {
    // A file kind the form does not take (the API's population file): only a new dataset can have it.
    return <p role="status">The upload of {names} did not finish. Upload the files again above as a new dataset.</p>;
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    const found = checkMissing(missing, files);
    setProblems(found);
    if (found.length) return;
    void uploader.resume(dataset.dataset_id, dataset.name, missing.map(({ role }) => ({ role, file: files[role]! })));
  }

  return (
    <form aria-label="Finish the upload" onSubmit={submit} noValidate className="upload-form">
      <p role="status">
        The upload of {names} did not finish. Choose {missing.length > 1 ? 'them' : 'it'} again here and press Send
        the missing files; what already arrived is not sent again.
      </p>
      {missing.map(({ role }) => (
        <FileField key={role} slot={slotOf(role)!} onChoose={(file) => setFiles((f) => ({ ...f, [role]: file }))} />
      ))}
      <Problems problems={problems} />
      <button type="submit" disabled={uploader.busy}>
        Send the missing files
      </button>
    </form>
  );
}
