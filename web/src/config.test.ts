import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config';

const answer = (body: unknown, status = 200) => async () => new Response(JSON.stringify(body), { status });

describe('loadConfig', () => {
  it('reads the stage settings, keeping the local user pool endpoint', async () => {
    const local = {
      apiUrl: 'http://127.0.0.1:8000',
      wsUrl: 'ws://127.0.0.1:8001',
      region: 'eu-west-1',
      userPoolId: 'pool',
      userPoolClientId: 'client',
      userPoolEndpoint: 'http://127.0.0.1:5000',
      authFlow: 'USER_PASSWORD_AUTH',
    };
    expect(await loadConfig(answer({ ...local, apiUrl: 'http://127.0.0.1:8000/' }))).toEqual(local);
  });

  it('signs in with SRP when the settings do not say otherwise (AWS stages)', async () => {
    const config = await loadConfig(answer({ apiUrl: 'a', wsUrl: 'w', region: 'r', userPoolId: 'p', userPoolClientId: 'c' }));
    expect(config.authFlow).toBe('USER_SRP_AUTH');
    expect(config.userPoolEndpoint).toBeUndefined();
  });

  it('names the missing settings and says what to do', async () => {
    const failure = loadConfig(answer({ apiUrl: 'a', region: 'r' }));
    await expect(failure).rejects.toBeInstanceOf(ConfigError);
    await expect(loadConfig(answer({ apiUrl: 'a', region: 'r' }))).rejects.toThrow(
      /lack wsUrl, userPoolId, userPoolClientId\. Reload the page/,
    );
  });

  it('tells a missing file and a dead connection apart', async () => {
    await expect(loadConfig(answer({}, 404))).rejects.toThrow(/answered 404/);
    await expect(
      loadConfig(async () => {
        throw new TypeError('Failed to fetch');
      }),
    ).rejects.toThrow(/Check your internet connection/);
  });
});
