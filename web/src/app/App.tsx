/** The app: the sign-in form until there is a session, then the signed-in screens (loaded lazily). */
import { lazy, Suspense, useCallback, useEffect, useState } from 'react';
import { retrying } from '../retrying';
import { SESSION_EXPIRED } from '../api/errors';
import type { Auth, Session } from '../auth/auth';
import { SignIn } from '../auth/SignIn';
import type { RuntimeConfig } from '../config';
import { ErrorBoundary, Loading } from './feedback';

const loadShell = () => retrying(() => import('./Shell'));
const Shell = lazy(loadShell);

type State =
  | { status: 'checking' }
  | { status: 'signedOut'; notice?: string }
  | { status: 'signedIn'; session: Session }
  | { status: 'expired'; session: Session };

interface Props {
  config: RuntimeConfig;
  auth: Auth;
  /** False when no session can exist: show the sign-in form at once, without waiting for Amplify. */
  maybeSignedIn: boolean;
}

export function App({ config, auth, maybeSignedIn }: Props) {
  const [state, setState] = useState<State>(maybeSignedIn ? { status: 'checking' } : { status: 'signedOut' });

  useEffect(() => {
    if (maybeSignedIn) {
      auth.current().then(
        (session) => setState(session ? { status: 'signedIn', session } : { status: 'signedOut' }),
        () => setState({ status: 'signedOut' }),
      );
    }
    const idle = window.setTimeout(() => void loadShell().catch(() => undefined), 0); // ready by the time they sign in
    return () => window.clearTimeout(idle);
  }, [auth, maybeSignedIn]);

  const onExpired = useCallback(() => {
    setState((s) => (s.status === 'signedIn' ? { status: 'expired', session: s.session } : s));
  }, []);

  const onSignOut = useCallback(async () => {
    try {
      await auth.signOut();
    } finally {
      setState({ status: 'signedOut', notice: 'You have signed out.' });
    }
  }, [auth]);

  if (state.status === 'checking') return <Loading what="ChatMRPT" />;
  if (state.status === 'signedOut') {
    return <SignIn auth={auth} notice={state.notice} onSignedIn={(session) => setState({ status: 'signedIn', session })} />;
  }
  const expired = state.status === 'expired';
  return (
    <>
      {expired && (
        <SignIn
          auth={auth}
          notice={SESSION_EXPIRED}
          onSignedIn={(session) => setState({ status: 'signedIn', session })}
        />
      )}
      {/* Kept while signing in again, so nothing typed is lost; another user gets a fresh session (key). */}
      <div hidden={expired} inert={expired} className="app">
        <ErrorBoundary>
          <Suspense fallback={<Loading what="your workspace" />}>
            <Shell
              key={state.session.userId}
              config={config}
              auth={auth}
              session={state.session}
              onExpired={onExpired}
              onSignOut={() => void onSignOut()}
            />
          </Suspense>
        </ErrorBoundary>
      </div>
    </>
  );
}
