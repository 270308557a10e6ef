/** Amplify loads in its own chunk, after the sign-in form is on screen (the first load stays small). */
import type { RuntimeConfig } from '../config';
import { retrying } from '../retrying';
import type { Auth } from './auth';

export function lazyAuth(config: RuntimeConfig): Auth {
  let loading: Promise<Auth> | undefined;
  const load = () =>
    (loading ??= retrying(() => import('./cognito')).then(
      (m) => m.cognitoAuth(config),
      (error: unknown) => {
        loading = undefined; // the next attempt downloads it again
        throw error;
      },
    ));
  return {
    current: async () => (await load()).current(),
    signIn: async (email, password) => (await load()).signIn(email, password),
    respond: async (answer) => (await load()).respond(answer),
    idToken: async () => (await load()).idToken(),
    signOut: async () => (await load()).signOut(),
  };
}

/** Whether Amplify keeps a signed-in user for this app client (read without loading Amplify). */
export function mayHaveSession(config: RuntimeConfig, storage: Storage = window.localStorage): boolean {
  try {
    return !!storage.getItem(`CognitoIdentityServiceProvider.${config.userPoolClientId}.LastAuthUser`);
  } catch {
    return true; // storage unreadable: ask Amplify
  }
}
