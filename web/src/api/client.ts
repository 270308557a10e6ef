/** The typed REST client: paths and bodies from chalicelib/openapi.json (npm run api), one fetch. */
import createClient from 'openapi-fetch';
import { ApiError, fromResponse, networkError } from './errors';
import type { components, paths } from './schema';

export type Schemas = components['schemas'];
export type Dataset = Schemas['Dataset'];
export type DatasetSummary = Schemas['DatasetSummary'];
export type Issue = Schemas['Issue'];
export type Upload = Schemas['Upload'];
export type UploadRole = Schemas['UploadRequest']['role'];
export type Analysis = Schemas['Analysis'];
export type CreateAnalysis = Schemas['CreateAnalysis'];
export type Ranking = Schemas['Ranking'];
export type ItnPlan = Schemas['ItnPlan'];
export type ComputeTpr = Schemas['ComputeTpr'];
export type TprResult = Schemas['TprResult'];
export type Category = NonNullable<Ranking['composite_category']>;

export interface ApiOptions {
  baseUrl: string;
  /** The signed-in user's Cognito ID token; throws an ApiError 401 when the session is over. */
  idToken: () => Promise<string>;
  /** Told when the API refuses the token: the session has ended. */
  onUnauthorized: () => void;
  fetch?: typeof fetch;
}

export function createApi({ baseUrl, idToken, onUnauthorized, fetch: fetchImpl }: ApiOptions) {
  const client = createClient<paths>({
    baseUrl,
    fetch: (request: Request) => (fetchImpl ?? globalThis.fetch)(request),
  });
  client.use({
    async onRequest({ request }) {
      let token: string;
      try {
        token = await idToken();
      } catch (error) {
        onUnauthorized(); // no token to be had: the session is over
        throw error;
      }
      request.headers.set('Authorization', `Bearer ${token}`);
      return request;
    },
    onResponse({ response }) {
      if (response.status === 401) onUnauthorized();
      return undefined;
    },
  });
  return client;
}

export type Api = ReturnType<typeof createApi>;

interface Answer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The body of a successful answer; an ApiError (with what to do) for anything else. */
export async function call<T>(pending: Promise<Answer<T>>): Promise<T> {
  let answer: Answer<T>;
  try {
    answer = await pending;
  } catch (error) {
    throw error instanceof ApiError ? error : networkError();
  }
  if (!answer.response.ok) {
    throw fromResponse(answer.response.status, answer.error);
  }
  return answer.data as T;
}
