/** The runtime configuration: one build serves every stage, each stage serves its own /config.json. */

export type AuthFlow = 'USER_PASSWORD_AUTH' | 'USER_SRP_AUTH';

export interface RuntimeConfig {
  apiUrl: string;
  wsUrl: string;
  region: string;
  userPoolId: string;
  userPoolClientId: string;
  /** Only locally: the moto server that stands in for Cognito. */
  userPoolEndpoint?: string;
  authFlow: AuthFlow;
}

const REQUIRED = ['apiUrl', 'wsUrl', 'region', 'userPoolId', 'userPoolClientId'] as const;
const FLOWS: AuthFlow[] = ['USER_PASSWORD_AUTH', 'USER_SRP_AUTH'];
const ADVICE = 'Reload the page; if this keeps happening, tell your administrator that the site is set up wrong.';

export class ConfigError extends Error {}

/** Reads and checks /config.json; a ConfigError says what is wrong and what to do. */
export async function loadConfig(fetchImpl: typeof fetch = fetch, url = '/config.json'): Promise<RuntimeConfig> {
  let response: Response;
  try {
    response = await fetchImpl(url, { cache: 'no-store' });
  } catch {
    throw new ConfigError(`The app could not reach its server to read its settings. Check your internet connection and reload the page.`);
  }
  if (!response.ok) {
    throw new ConfigError(`The app's settings (${url}) answered ${response.status}. ${ADVICE}`);
  }
  let raw: unknown;
  try {
    raw = await response.json();
  } catch {
    throw new ConfigError(`The app's settings (${url}) are not valid JSON. ${ADVICE}`);
  }
  return parseConfig(raw, url);
}

export function parseConfig(raw: unknown, url = '/config.json'): RuntimeConfig {
  const value = (raw ?? {}) as Record<string, unknown>;
  const missing = REQUIRED.filter((key) => typeof value[key] !== 'string' || !value[key]);
  if (missing.length) {
    throw new ConfigError(`The app's settings (${url}) lack ${missing.join(', ')}. ${ADVICE}`);
  }
  const authFlow = (value.authFlow ?? 'USER_SRP_AUTH') as AuthFlow;
  if (!FLOWS.includes(authFlow)) {
    throw new ConfigError(`The app's settings (${url}) name an unknown sign-in flow ${String(authFlow)}. ${ADVICE}`);
  }
  const endpoint = value.userPoolEndpoint;
  return {
    apiUrl: String(value.apiUrl).replace(/\/+$/, ''),
    wsUrl: String(value.wsUrl).replace(/\/+$/, ''),
    region: String(value.region),
    userPoolId: String(value.userPoolId),
    userPoolClientId: String(value.userPoolClientId),
    ...(typeof endpoint === 'string' && endpoint ? { userPoolEndpoint: endpoint } : {}),
    authFlow,
  };
}
