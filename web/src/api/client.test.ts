import { describe, expect, it, vi } from 'vitest';
import { fakeFetch, json } from '../test/fakes';
import { call, createApi } from './client';
import { ApiError, describeError, NETWORK_ADVICE, SESSION_EXPIRED } from './errors';

const DATASET = { dataset_id: 'ds_1', name: 'Niger', status: 'READY', errors: [], warnings: [], files: {}, created_at: '', updated_at: '' };

function api(routes: Parameters<typeof fakeFetch>[0], onUnauthorized = vi.fn()) {
  const network = fakeFetch(routes);
  return { client: createApi({ baseUrl: 'http://api.test', idToken: async () => 'id-token', onUnauthorized, fetch: network.fetch }), ...network, onUnauthorized };
}

describe('the API client', () => {
  it('sends the ID token and returns the typed body', async () => {
    const { client, calls } = api({ 'GET /datasets/{id}': () => json(DATASET) });
    const dataset = await call(client.GET('/datasets/{dataset_id}', { params: { path: { dataset_id: 'ds_1' } } }));
    expect(dataset.name).toBe('Niger');
    expect(calls[0].headers.get('Authorization')).toBe('Bearer id-token');
  });

  it('turns an error body into an ApiError whose sentence is the server message', async () => {
    const { client } = api({
      'POST /analyses': () =>
        json({ error: { code: 'conflict', message: 'The dataset is not READY (it is PROCESSING): wait for it.', details: {} } }, 409),
    });
    const failure = call(client.POST('/analyses', { body: { dataset_id: 'ds_1' } }));
    await expect(failure).rejects.toMatchObject({ status: 409, code: 'conflict' });
    const error = await failure.catch((e: unknown) => e);
    expect(describeError(error)).toBe('The dataset is not READY (it is PROCESSING): wait for it.');
  });

  it('reports a refused token so the app can ask to sign in again', async () => {
    const { client, onUnauthorized } = api({ 'GET /me': () => json({ message: 'Unauthorized' }, 401) });
    const error = await call(client.GET('/me', {})).catch((e: unknown) => e);
    expect(onUnauthorized).toHaveBeenCalledOnce();
    expect(describeError(error)).toBe(SESSION_EXPIRED);
  });

  it('asks to sign in again when there is no token to be had, without calling the API', async () => {
    const onUnauthorized = vi.fn();
    const network = fakeFetch({});
    const client = createApi({
      baseUrl: 'http://api.test',
      idToken: async () => {
        throw new ApiError(401, 'unauthorized', SESSION_EXPIRED);
      },
      onUnauthorized,
      fetch: network.fetch,
    });
    const error = await call(client.GET('/datasets', {})).catch((e: unknown) => e);
    expect(describeError(error)).toBe(SESSION_EXPIRED);
    expect(onUnauthorized).toHaveBeenCalledOnce();
    expect(network.calls).toHaveLength(0);
  });

  it('says what to do when the server cannot be reached', async () => {
    const client = createApi({
      baseUrl: 'http://api.test',
      idToken: async () => 't',
      onUnauthorized: () => {},
      fetch: async () => {
        throw new TypeError('Failed to fetch');
      },
    });
    const error = await call(client.GET('/datasets', {})).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(describeError(error)).toBe(NETWORK_ADVICE);
  });

  it('makes the server\'s words a sentence before saying what to do', async () => {
    const { client } = api({
      'GET /datasets/{id}': () => json({ error: { code: 'not_found', message: 'dataset ds_9 not found', details: { dataset_id: 'ds_9' } } }, 404),
    });
    const error = await call(client.GET('/datasets/{dataset_id}', { params: { path: { dataset_id: 'ds_9' } } })).catch((e: unknown) => e);
    expect(describeError(error)).toBe('Dataset ds_9 not found. It may have been deleted: reload the list and choose another.');
    expect(describeError(new ApiError(403, 'forbidden', 'Only admins may do this.'))).toBe(
      "Only admins may do this. Your role does not allow this: ask your organisation's administrator.",
    );
  });

  it('gives the request id of a server fault', () => {
    const error = new ApiError(500, 'internal', 'An internal error occurred.', { request_id: 'req-42' });
    expect(describeError(error)).toMatch(/request req-42.*tell your administrator the request number/);
  });
});
