/** Saving an analysis file: a fresh presigned link, the bytes, then the browser's save under the file's name. */
import type { Api } from '../api/client';
import { ApiError } from '../api/errors';
import { artifactUrl } from '../api/queries';

export async function downloadArtifact(api: Api, analysisId: string, name: string, fetchImpl: typeof fetch = fetch) {
  const { url } = await artifactUrl(api, analysisId, name);
  let response: Response;
  try {
    response = await fetchImpl(url);
  } catch {
    throw new ApiError(0, 'network', `${name} could not be downloaded. Check your internet connection and try again.`);
  }
  if (!response.ok) {
    throw new ApiError(response.status, 'download', `${name} could not be downloaded (${response.status}). Try again in a moment.`);
  }
  const address = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = address;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(address), 60_000);
}
