/** Errors from the API (or from reaching it), and the sentence a programme officer reads for each. */

export type ErrorCode =
  | 'network'
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'method_not_allowed'
  | 'conflict'
  | 'too_large'
  | 'unsupported_media_type'
  | 'invalid_data'
  | 'throttled'
  | 'internal'
  | string;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const NETWORK_ADVICE =
  'The server could not be reached. Check your internet connection and try again; what you entered is kept.';
export const SESSION_EXPIRED = 'Your session has expired. Sign in again to continue; your work on the server is kept.';

/** An ApiError from any error body the API (or a proxy in front of it) answers. */
export function fromResponse(status: number, body: unknown): ApiError {
  const error = (body as { error?: { code?: string; message?: string; details?: Record<string, unknown> } } | null)
    ?.error;
  if (error && typeof error.message === 'string') {
    return new ApiError(status, error.code ?? `http_${status}`, error.message, error.details ?? {});
  }
  const message = (body as { message?: string } | null)?.message; // API Gateway's own answers
  return new ApiError(status, status === 401 ? 'unauthorized' : `http_${status}`, message ?? `The server answered ${status}.`);
}

export function networkError(): ApiError {
  return new ApiError(0, 'network', NETWORK_ADVICE);
}

/** A message as a sentence another can follow: a capital first, a full stop last (the API's "dataset ds_1 not found" has neither). */
const sentence = (text: string) => `${text.charAt(0).toUpperCase()}${text.slice(1)}${/[.!?]$/.test(text) ? '' : '.'}`;

/** What to tell a person about an error: what happened and what to do. */
export function describeError(error: unknown): string {
  if (error instanceof Error && /dynamically imported module|Importing a module script failed|error loading dynamically/i.test(error.message)) {
    return 'Part of the app could not be downloaded. Check your internet connection and reload the page.';
  }
  if (!(error instanceof ApiError)) {
    return error instanceof Error && error.message
      ? `${sentence(error.message)} Try again; if it keeps happening, reload the page.`
      : 'Something went wrong. Try again; if it keeps happening, reload the page.';
  }
  switch (error.code) {
    case 'network':
      return NETWORK_ADVICE;
    case 'unauthorized':
      return SESSION_EXPIRED;
    case 'forbidden':
      return `${sentence(error.message)} Your role does not allow this: ask your organisation's administrator.`;
    case 'not_found':
      return `${sentence(error.message)} It may have been deleted: reload the list and choose another.`;
    case 'too_large':
      return `${sentence(error.message)} Choose a smaller file, or split it.`;
    case 'throttled':
      return 'The service is busy right now. Wait a few seconds and try again.';
    case 'internal': {
      const id = error.details.request_id;
      return `Something went wrong on the server${id ? ` (request ${String(id)})` : ''}. Try again; if it keeps happening, tell your administrator${id ? ' the request number' : ''}.`;
    }
    default:
      if (error.status >= 500) {
        return `The server answered ${error.status}. Wait a moment and try again.`;
      }
      return error.message; // bad_request, conflict, invalid_data: the API says what and where
  }
}
