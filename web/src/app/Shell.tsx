/** A signed-in session: its query cache, API client, live channel and uploads; the header, tabs and screens. */
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { Suspense, useEffect, useState, type ComponentType } from 'react';
import { createApi } from '../api/client';
import { shouldRetry } from '../api/queries';
import type { Auth, Session } from '../auth/auth';
import ChatView from '../chat/ChatView';
import { useChatEvents } from '../chat/queries';
import type { RuntimeConfig } from '../config';
import DatasetsView from '../datasets/DatasetsView';
import { UploaderProvider } from '../datasets/uploader';
import ItnView from '../itn/ItnView';
import { LiveChannel } from '../live/channel';
import { useChannelState, useDatasetEvents } from '../live/hooks';
import MapView from '../map/MapView';
import ResultsView from '../results/ResultsView';
import { href, useRoute, type View } from '../route';
import TprView from '../tpr/TprView';
import { ServicesContext, type Services } from './context';
import { ErrorBoundary, Loading } from './feedback';

// The screens come with the shell (one download after sign-in); only the map drawing is a chunk of its own.
const SCREENS: Record<View, ComponentType> = {
  datasets: DatasetsView,
  results: ResultsView,
  map: MapView,
  itn: ItnView,
  tpr: TprView,
  chat: ChatView,
};

const TABS: [View, string][] = [
  ['datasets', 'Datasets'],
  ['results', 'Results'],
  ['map', 'Map'],
  ['itn', 'ITN planner'],
  ['tpr', 'TPR'],
  ['chat', 'Chat'],
];

export interface ShellProps {
  config: RuntimeConfig;
  auth: Auth;
  session: Session;
  /** The API refused the token: the session has ended. */
  onExpired: () => void;
  onSignOut: () => void;
}

export default function Shell({ config, auth, session, onExpired, onSignOut }: ShellProps) {
  const [client] = useState(
    () =>
      new QueryClient({
        defaultOptions: {
          queries: { retry: shouldRetry, refetchOnWindowFocus: false, staleTime: 10_000 },
          mutations: { retry: false },
        },
      }),
  );
  const [services] = useState<Services>(() => ({
    config,
    api: createApi({ baseUrl: config.apiUrl, idToken: () => auth.idToken(), onUnauthorized: onExpired }),
    live: new LiveChannel({ url: config.wsUrl, token: () => auth.idToken() }),
  }));
  useEffect(() => {
    services.live.start(); // again after signing in again: the old token is no good
    return () => services.live.close();
  }, [services, session]);

  return (
    <QueryClientProvider client={client}>
      <ServicesContext.Provider value={services}>
        <Frame session={session} onSignOut={onSignOut} />
      </ServicesContext.Provider>
    </QueryClientProvider>
  );
}

function Frame({ session, onSignOut }: { session: Session; onSignOut: () => void }) {
  const [route, navigate] = useRoute();
  const channel = useChannelState();
  useChatEvents();
  useDatasetEvents();
  const Screen = SCREENS[route.view];
  return (
    <UploaderProvider onCreated={(datasetId) => navigate({ view: 'datasets', dataset: datasetId, analysis: undefined })}>
      <header className="top">
        <span className="brand">ChatMRPT</span>
        <span className="who">{session.email}</span>
        <button type="button" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <nav className="tabs" aria-label="Screens">
        {TABS.map(([view, label]) => (
          <a key={view} href={href({ view })} aria-current={route.view === view ? 'page' : undefined}>
            {label}
          </a>
        ))}
      </nav>
      {channel === 'waiting' && (
        <p className="notice" role="status">
          Live updates are interrupted; reconnecting. Everything you do is still saved.
        </p>
      )}
      <main>
        <ErrorBoundary resetKey={route.view}>
          <Suspense fallback={<Loading what="the screen" />}>
            <Screen />
          </Suspense>
        </ErrorBoundary>
      </main>
    </UploaderProvider>
  );
}
