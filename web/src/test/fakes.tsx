/** Stand-ins for the network (fetch routes, XMLHttpRequest, WebSocket) and a signed-in session to render in. */
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import type { ReactElement } from 'react';
import { createApi } from '../api/client';
import { ServicesContext, type Services } from '../app/context';
import type { RuntimeConfig } from '../config';
import { LiveChannel } from '../live/channel';

export const CONFIG: RuntimeConfig = {
  apiUrl: 'http://api.test',
  wsUrl: 'ws://ws.test',
  region: 'eu-west-1',
  userPoolId: 'eu-west-1_pool',
  userPoolClientId: 'client',
  authFlow: 'USER_PASSWORD_AUTH',
};

export type Handler = (request: Request, body: unknown) => Response | Promise<Response>;

export const json = (body: unknown, status = 200) =>
  new Response(status === 204 ? null : JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

/** A fetch answering "METHOD /path" routes (path without query); anything else is a 404 in the API's shape. */
export function fakeFetch(routes: Record<string, Handler>) {
  const calls: { method: string; path: string; body: unknown; headers: Headers }[] = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(String(input), init);
    const url = new URL(request.url);
    const text = request.method === 'GET' ? '' : await request.clone().text();
    const body = text ? JSON.parse(text) : undefined;
    calls.push({ method: request.method, path: url.pathname, body, headers: request.headers });
    const key = Object.keys(routes).find((route) => {
      const [method, pattern] = route.split(' ');
      const regex = new RegExp(`^${pattern.replace(/\{[^}]+\}/g, '[^/]+')}$`);
      return method === request.method && regex.test(url.pathname);
    });
    if (!key) return json({ error: { code: 'not_found', message: `No route ${request.method} ${url.pathname}.`, details: {} } }, 404);
    return routes[key](request, body);
  };
  return { fetch: fetch as typeof globalThis.fetch, calls };
}

export class FakeSocket {
  static all: FakeSocket[] = [];
  readyState = 0;
  sent: unknown[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((event: { data: string }) => void) | null = null;
  onclose: (() => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close() {
    this.readyState = 3;
  }
  open() {
    this.readyState = 1;
    this.onopen?.();
  }
  receive(message: unknown) {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
  drop() {
    this.readyState = 3;
    this.onclose?.();
  }
}

export function renderInSession(ui: ReactElement, routes: Record<string, Handler> = {}, onUnauthorized = () => {}) {
  const network = fakeFetch(routes);
  FakeSocket.all = [];
  const live = new LiveChannel({
    url: CONFIG.wsUrl,
    token: async () => 'token',
    socket: (url) => new FakeSocket(url) as unknown as WebSocket,
    baseDelayMs: 1, // reconnects at once
  });
  const services: Services = {
    config: CONFIG,
    api: createApi({ baseUrl: CONFIG.apiUrl, idToken: async () => 'token', onUnauthorized, fetch: network.fetch }),
    live,
  };
  const client = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  const result = render(
    <QueryClientProvider client={client}>
      <ServicesContext.Provider value={services}>{ui}</ServicesContext.Provider>
    </QueryClientProvider>,
  );
  return { ...result, calls: network.calls, live, client };
}

/** An XMLHttpRequest whose upload the test drives: progress, success, a dropped connection or an S3 refusal. */
export class FakeXhr {
  static all: FakeXhr[] = [];
  method = '';
  url = '';
  body?: FormData;
  status = 0;
  responseText = '';
  upload: { onprogress: ((event: ProgressEvent) => void) | null } = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  ontimeout: (() => void) | null = null;
  onabort: (() => void) | null = null;
  constructor() {
    FakeXhr.all.push(this);
  }
  open(method: string, url: string) {
    this.method = method;
    this.url = url;
  }
  send(body: FormData) {
    this.body = body;
  }
  abort() {
    this.onabort?.();
  }
  progress(loaded: number, total: number) {
    this.upload.onprogress?.({ lengthComputable: true, loaded, total } as ProgressEvent);
  }
  succeed(status = 204) {
    this.status = status;
    this.onload?.();
  }
  refuse(status: number, body: string) {
    this.status = status;
    this.responseText = body;
    this.onload?.();
  }
  fail() {
    this.onerror?.();
  }
}
