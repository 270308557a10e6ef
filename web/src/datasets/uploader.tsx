/**
 * The uploads of this tab: create the dataset (one presigned POST per file), send every file
 * with its own progress, retry a dropped one by itself, let the person retry after that. Links
 * that expired are renewed for the file alone, on the same dataset, and a dataset whose upload
 * did not finish (a reload, another tab) gets its missing files sent the same way: nothing that
 * arrived is sent again. Kept above the screens so switching tabs does not stop an upload.
 */
import { useQueryClient } from '@tanstack/react-query';
import { createContext, useCallback, useContext, useMemo, useRef, useState, type ReactNode } from 'react';
import { call, type Upload, type UploadRole } from '../api/client';
import { describeError } from '../api/errors';
import { keys } from '../api/queries';
import { useServices } from '../app/context';
import { postFile, UploadError } from '../upload';
import type { ChosenFile } from './files';

export interface FileUpload {
  role: UploadRole;
  file: File;
  loaded: number;
  state: 'sending' | 'done' | 'failed';
  error?: string;
}

export interface UploadBatch {
  name: string;
  datasetId?: string;
  files: FileUpload[];
  /** Creating the dataset failed (before any file was sent). */
  error?: string;
  /** Sent from the dataset's view to finish an upload that did not (shown there, not in the form). */
  resumed?: boolean;
}

export interface Uploader {
  batch: UploadBatch | null;
  /** True while a file is being sent. */
  busy: boolean;
  start: (name: string, files: ChosenFile[]) => Promise<string | undefined>;
  /** Sends the files of dataset `datasetId` that have not arrived, on new links. */
  resume: (datasetId: string, name: string, files: ChosenFile[]) => Promise<void>;
  retry: (role: UploadRole) => void;
}

/** Pauses before sending a file again by itself after a dropped connection. */
export const AUTO_RETRY_MS = [2000, 5000];

const UploaderContext = createContext<Uploader | null>(null);

export function useUploader(): Uploader {
  const uploader = useContext(UploaderContext);
  if (!uploader) throw new Error('useUploader outside UploaderProvider');
  return uploader;
}

interface ProviderProps {
  children: ReactNode;
  /** Called with the new dataset's id as soon as it exists (so a reload can find it). */
  onCreated: (datasetId: string) => void;
  sleep?: (ms: number) => Promise<void>;
}

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const declared = ({ role, file }: ChosenFile) => ({ role, filename: file.name, size: file.size });
const sending = ({ role, file }: ChosenFile): FileUpload => ({ role, file, loaded: 0, state: 'sending' });

export function UploaderProvider({ children, onCreated, sleep = wait }: ProviderProps) {
  const { api } = useServices();
  const client = useQueryClient();
  const [batch, setBatch] = useState<UploadBatch | null>(null);
  const targets = useRef(new Map<UploadRole, Upload>());

  const update = useCallback((role: UploadRole, patch: Partial<FileUpload>) => {
    setBatch((b) => b && { ...b, files: b.files.map((f) => (f.role === role ? { ...f, ...patch } : f)) });
  }, []);

  const send = useCallback(
    async (datasetId: string, role: UploadRole, file: File) => {
      update(role, { state: 'sending', error: undefined, loaded: 0 });
      for (let attempt = 0; ; attempt++) {
        try {
          await postFile(targets.current.get(role)!, file, { onProgress: (loaded) => update(role, { loaded }) });
          update(role, { state: 'done', loaded: file.size });
          void client.invalidateQueries({ queryKey: keys.dataset(datasetId) });
          return;
        } catch (error) {
          const transient = error instanceof UploadError && error.transient;
          if (transient && attempt < AUTO_RETRY_MS.length) {
            await sleep(AUTO_RETRY_MS[attempt]);
            continue;
          }
          const expired = error instanceof UploadError && error.kind === 'expired';
          update(role, { state: 'failed', error: error instanceof Error ? error.message : String(error) });
          if (expired) targets.current.delete(role);
          return;
        }
      }
    },
    [client, update],
  );

  /** New links for `files` of the dataset (the ones it had expired, or this tab never had them), then each sent. */
  const renewAndSend = useCallback(
    async (datasetId: string, files: ChosenFile[]) => {
      for (const { role } of files) update(role, { state: 'sending', error: undefined, loaded: 0 });
      let renewed;
      try {
        renewed = await call(
          api.POST('/datasets/{dataset_id}/uploads', {
            params: { path: { dataset_id: datasetId } },
            body: { files: files.map(declared) },
          }),
        );
      } catch (error) {
        const message = describeError(error);
        for (const { role } of files) update(role, { state: 'failed', error: message });
        return;
      }
      for (const upload of renewed.uploads) targets.current.set(upload.role, upload);
      await Promise.all(files.map(({ role, file }) => send(datasetId, role, file)));
    },
    [api, send, update],
  );

  const start = useCallback(
    async (name: string, files: ChosenFile[]) => {
      targets.current.clear();
      setBatch({ name, files: files.map(sending) });
      let created;
      try {
        created = await call(api.POST('/datasets', { body: { name: name.trim(), files: files.map(declared) } }));
      } catch (error) {
        setBatch({ name, files: [], error: describeError(error) });
        return undefined;
      }
      for (const upload of created.uploads) targets.current.set(upload.role, upload);
      setBatch((b) => b && { ...b, datasetId: created.dataset_id });
      onCreated(created.dataset_id);
      void client.invalidateQueries({ queryKey: keys.datasets });
      await Promise.all(files.map(({ role, file }) => send(created.dataset_id, role, file)));
      return created.dataset_id;
    },
    [api, client, onCreated, send],
  );

  const resume = useCallback(
    async (datasetId: string, name: string, files: ChosenFile[]) => {
      targets.current.clear();
      setBatch({ name, datasetId, resumed: true, files: files.map(sending) });
      await renewAndSend(datasetId, files);
    },
    [renewAndSend],
  );

  const retry = useCallback(
    (role: UploadRole) => {
      if (!batch?.datasetId) return;
      const failed = batch.files.find((f) => f.role === role);
      if (!failed) return;
      const target = targets.current.get(role);
      if (!target || Date.parse(target.expires_at) <= Date.now()) {
        void renewAndSend(batch.datasetId, [failed]); // the link expired: a new one for this file alone
        return;
      }
      void send(batch.datasetId, role, failed.file);
    },
    [batch, send, renewAndSend],
  );

  const busy = !!batch?.files.some((f) => f.state === 'sending');
  const value = useMemo(() => ({ batch, busy, start, resume, retry }), [batch, busy, start, resume, retry]);
  return <UploaderContext.Provider value={value}>{children}</UploaderContext.Provider>;
}
