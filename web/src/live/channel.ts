/**
 * The one WebSocket of a signed-in session: analysis progress for the analyses it subscribes to,
 * chat events and each dataset's end (READY or INVALID) without subscribing. A drop is followed by
 * reconnects with growing pauses; after each reconnect the subscriptions are sent again (the server
 * replays what was missed) and the listeners of `onReconnect` catch up from the REST API.
 */
import type { ChatEvent } from '../api/chat';
import type { Dataset } from '../api/client';

export interface ProgressMessage {
  type: 'progress';
  analysis_id: string;
  stage: string;
  progress: number;
  message: string;
}
export interface StatusMessage {
  type: 'status';
  analysis_id: string;
  status: 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  error?: string;
}
/** One of the user's datasets has ended: GET it for the rest. */
export interface DatasetMessage {
  type: 'dataset';
  dataset_id: string;
  status: Extract<Dataset['status'], 'READY' | 'INVALID'>;
}
export interface ErrorMessage {
  type: 'error';
  code: string;
  message?: string;
}
export type LiveMessage =
  | ProgressMessage
  | StatusMessage
  | ChatEvent
  | DatasetMessage
  | ErrorMessage
  | { type: 'subscribed'; analysis_id: string };

/** connecting: first attempt; open; waiting: dropped, a reconnect is scheduled; closed: stopped. */
export type ChannelState = 'connecting' | 'open' | 'waiting' | 'closed';

export interface ChannelOptions {
  url: string;
  token: () => Promise<string>;
  socket?: (url: string) => WebSocket;
  baseDelayMs?: number;
  maxDelayMs?: number;
  random?: () => number;
}

const RESEND_AFTER_MS = 500; // the server asks again when a subscribe beat the connection's record

/** The pause before reconnect attempt `attempt` (0-based): doubling, capped, with +-20% jitter. */
export function backoffDelay(attempt: number, base = 1000, max = 30000, random = Math.random): number {
  return Math.round(Math.min(max, base * 2 ** attempt) * (0.8 + 0.4 * random()));
}

export class LiveChannel {
  state: ChannelState = 'connecting';
  private socket?: WebSocket;
  private attempt = 0;
  private generation = 0; // a connect of an earlier start() (or after close()) gives up
  private opened = false;
  private timer?: ReturnType<typeof setTimeout>;
  private readonly analyses = new Map<string, number>();
  private readonly listeners = new Set<(message: LiveMessage) => void>();
  private readonly stateListeners = new Set<(state: ChannelState) => void>();
  private readonly reconnectListeners = new Set<() => void>();
  private readonly options: Required<ChannelOptions>;

  constructor(options: ChannelOptions) {
    this.options = {
      socket: (url) => new WebSocket(url),
      baseDelayMs: 1000,
      maxDelayMs: 30000,
      random: Math.random,
      ...options,
    };
  }

  start(): this {
    this.generation += 1;
    this.setState('connecting');
    void this.connect();
    window.addEventListener('online', this.reconnectNow);
    return this;
  }

  close(): void {
    this.generation += 1;
    this.setState('closed');
    clearTimeout(this.timer);
    window.removeEventListener('online', this.reconnectNow);
    this.socket?.close();
  }

  /** Progress of this analysis (kept across reconnects); returns the undo. */
  subscribe(analysisId: string): () => void {
    this.analyses.set(analysisId, (this.analyses.get(analysisId) ?? 0) + 1);
    if (this.state === 'open') this.sendSubscribe(analysisId);
    return () => {
      const count = (this.analyses.get(analysisId) ?? 1) - 1;
      if (count > 0) this.analyses.set(analysisId, count);
      else this.analyses.delete(analysisId);
    };
  }

  onMessage(listener: (message: LiveMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onState(listener: (state: ChannelState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /** Called after the connection is back following a drop: time to catch up. */
  onReconnect(listener: () => void): () => void {
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
  }

  private readonly reconnectNow = () => {
    if (this.state !== 'waiting') return;
    clearTimeout(this.timer);
    void this.connect();
  };

  private setState(state: ChannelState) {
    if (this.state === state) return;
    this.state = state;
    this.stateListeners.forEach((listener) => listener(state));
  }

  private async connect() {
    const generation = this.generation;
    let token: string;
    try {
      token = await this.options.token();
    } catch {
      if (generation === this.generation) this.setState('closed'); // the session is over: sign-in takes over
      return;
    }
    if (generation !== this.generation) return;
    const socket = this.options.socket(`${this.options.url}/?token=${encodeURIComponent(token)}`);
    this.socket = socket;
    socket.onopen = () => {
      const reconnected = this.opened;
      this.opened = true;
      this.attempt = 0;
      this.setState('open');
      this.analyses.forEach((_, id) => this.sendSubscribe(id));
      if (reconnected) this.reconnectListeners.forEach((listener) => listener());
    };
    socket.onmessage = (event: MessageEvent) => {
      let message: LiveMessage;
      try {
        message = JSON.parse(String(event.data));
      } catch {
        return;
      }
      if (message.type === 'error' && message.code === 'conflict') {
        this.timer = setTimeout(() => this.analyses.forEach((_, id) => this.sendSubscribe(id)), RESEND_AFTER_MS);
        return;
      }
      this.listeners.forEach((listener) => listener(message));
    };
    socket.onclose = () => {
      if (generation !== this.generation || this.socket !== socket) return;
      this.setState('waiting');
      const delay = backoffDelay(this.attempt++, this.options.baseDelayMs, this.options.maxDelayMs, this.options.random);
      this.timer = setTimeout(() => {
        if (generation === this.generation) void this.connect();
      }, delay);
    };
  }

  private sendSubscribe(analysisId: string) {
    if (this.socket?.readyState === 1) {
      this.socket.send(JSON.stringify({ action: 'subscribe', analysis_id: analysisId }));
    }
  }
}
