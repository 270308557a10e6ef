/** Where the user is, in the URL's hash (#/view?dataset=..&analysis=..), so a reload resumes there. */
import { useCallback, useSyncExternalStore } from 'react';

export const VIEWS = ['datasets', 'results', 'map', 'itn', 'tpr', 'chat'] as const;
export type View = (typeof VIEWS)[number];

export interface Route {
  view: View;
  dataset?: string;
  analysis?: string;
  conversation?: string;
}

const KEYS = ['dataset', 'analysis', 'conversation'] as const;

export function parseHash(hash: string): Route {
  const [path, query = ''] = hash.replace(/^#\/?/, '').split('?');
  const view = (VIEWS as readonly string[]).includes(path) ? (path as View) : 'datasets';
  const params = new URLSearchParams(query);
  const route: Route = { view };
  for (const key of KEYS) {
    const value = params.get(key);
    if (value) route[key] = value;
  }
  return route;
}

export function toHash(route: Route): string {
  const params = new URLSearchParams();
  for (const key of KEYS) {
    const value = route[key];
    if (value) params.set(key, value);
  }
  const query = params.toString();
  return `#/${route.view}${query ? `?${query}` : ''}`;
}

function subscribe(onChange: () => void) {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

const currentHash = () => window.location.hash;

/** The route and a way to change part of it (the rest is kept: a dataset stays chosen across tabs). */
export function useRoute(): [Route, (patch: Partial<Route>) => void] {
  const hash = useSyncExternalStore(subscribe, currentHash, () => '');
  const route = parseHash(hash);
  const navigate = useCallback((patch: Partial<Route>) => {
    window.location.hash = toHash({ ...parseHash(window.location.hash), ...patch });
  }, []);
  return [route, navigate];
}

/** A link to another place, keeping the chosen dataset, analysis and conversation unless changed. */
export function href(patch: Partial<Route>): string {
  return toHash({ ...parseHash(window.location.hash), ...patch });
}
