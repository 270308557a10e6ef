/** Saving an analysis file: its bytes through a fresh link, then the browser's save under the file's name. */
import type { Api } from '../api/client';
import { fetchArtifact } from '../api/queries';

export async function downloadArtifact(api: Api, analysisId: string, name: string, fetchImpl: typeof fetch = fetch) {
  const response = await fetchArtifact(api, analysisId, name, fetchImpl);
  const address = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = address;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(address), 60_000);
}
