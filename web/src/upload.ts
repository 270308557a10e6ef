/**
 * One file to its presigned S3 POST through XMLHttpRequest, the only browser API that reports
 * upload progress; failures become sentences that say what happened and what to do.
 */

export interface UploadTarget {
  url: string;
  fields: Record<string, string>;
}

export type UploadFailure = 'network' | 'rejected' | 'expired' | 'aborted';

export class UploadError extends Error {
  constructor(
    readonly kind: UploadFailure,
    message: string,
    readonly status = 0,
  ) {
    super(message);
    this.name = 'UploadError';
  }

  /** Worth trying again by itself: the link dropped or the storage service hiccupped. */
  get transient(): boolean {
    return this.kind === 'network' || (this.kind === 'rejected' && this.status >= 500);
  }
}

export interface PostFileOptions {
  onProgress?: (loaded: number, total: number) => void;
  signal?: AbortSignal;
  xhr?: () => XMLHttpRequest;
}

export function postFile(target: UploadTarget, file: File, options: PostFileOptions = {}): Promise<void> {
  const { onProgress, signal, xhr: makeXhr = () => new XMLHttpRequest() } = options;
  return new Promise((resolve, reject) => {
    const form = new FormData();
    for (const [key, value] of Object.entries(target.fields)) form.append(key, value);
    form.append('file', file); // S3 ignores every field after the file
    const request = makeXhr();
    request.open('POST', target.url);
    request.upload.onprogress = (event: ProgressEvent) => {
      if (event.lengthComputable) onProgress?.(Math.min(event.loaded, file.size), file.size);
    };
    request.onload = () => {
      if (request.status >= 200 && request.status < 300) {
        onProgress?.(file.size, file.size);
        resolve();
      } else {
        reject(s3Failure(file.name, request.status, String(request.responseText ?? '')));
      }
    };
    request.onerror = () =>
      reject(
        new UploadError(
          'network',
          `The connection dropped while sending ${file.name}. Check your internet connection and press Retry; the other files are kept.`,
        ),
      );
    request.ontimeout = request.onerror;
    request.onabort = () => reject(new UploadError('aborted', `The upload of ${file.name} was stopped.`));
    signal?.addEventListener('abort', () => request.abort(), { once: true });
    request.send(form);
  });
}

/** S3's XML error answer as a sentence. */
export function s3Failure(filename: string, status: number, body: string): UploadError {
  const code = /<Code>([^<]*)<\/Code>/.exec(body)?.[1] ?? '';
  const detail = /<Message>([^<]*)<\/Message>/.exec(body)?.[1] ?? '';
  if (code === 'EntityTooLarge') {
    return new UploadError(
      'rejected',
      `${filename} is larger than the size it was announced with or than the limit. Choose the file again (a smaller one if it is over the limit) and press Upload.`,
      status,
    );
  }
  if (/expired/i.test(detail) || code === 'ExpiredToken' || code === 'RequestExpired') {
    return new UploadError(
      'expired',
      `The upload link for ${filename} expired. Press Retry to send it again with a new link.`,
      status,
    );
  }
  if (status >= 500) {
    return new UploadError(
      'rejected',
      `The storage service could not take ${filename} just now (${status}). Press Retry in a moment.`,
      status,
    );
  }
  return new UploadError(
    'rejected',
    `The storage service refused ${filename}${code ? ` (${code}${detail ? `: ${detail}` : ''})` : ` (${status})`}. Press Retry; if it happens again, tell your administrator.`,
    status,
  );
}
