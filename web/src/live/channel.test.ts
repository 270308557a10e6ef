import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeSocket } from '../test/fakes';
import { backoffDelay, LiveChannel } from './channel';

const flush = () => vi.advanceTimersByTimeAsync(0);

function channel() {
  FakeSocket.all = [];
  return new LiveChannel({
    url: 'ws://ws.test',
    token: async () => 'id token',
    socket: (url) => new FakeSocket(url) as unknown as WebSocket,
    random: () => 0.5, // no jitter
  }).start();
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('the live channel', () => {
  it('connects with the token and subscribes to the analyses it follows', async () => {
    const live = channel();
    live.subscribe('an_1');
    await flush();
    const socket = FakeSocket.all[0];
    expect(socket.url).toBe('ws://ws.test/?token=id%20token');
    socket.open();
    expect(socket.sent).toEqual([{ action: 'subscribe', analysis_id: 'an_1' }]);
    const seen = vi.fn();
    live.onMessage(seen);
    socket.receive({ type: 'progress', analysis_id: 'an_1', stage: 'score', progress: 45, message: 'Scoring' });
    expect(seen).toHaveBeenCalledWith(expect.objectContaining({ progress: 45 }));
    live.close();
  });

  it('reconnects after a drop with growing pauses, subscribes again and asks to catch up', async () => {
    const live = channel();
    live.subscribe('an_1');
    const caughtUp = vi.fn();
    live.onReconnect(caughtUp);
    await flush();
    FakeSocket.all[0].open();
    FakeSocket.all[0].drop();
    expect(live.state).toBe('waiting');
    await vi.advanceTimersByTimeAsync(999);
    expect(FakeSocket.all).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(FakeSocket.all).toHaveLength(2);
    FakeSocket.all[1].drop(); // the server is still away: the next pause is twice as long
    await vi.advanceTimersByTimeAsync(1999);
    expect(FakeSocket.all).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    const third = FakeSocket.all[2];
    third.open();
    expect(live.state).toBe('open');
    expect(third.sent).toEqual([{ action: 'subscribe', analysis_id: 'an_1' }]);
    expect(caughtUp).toHaveBeenCalledOnce();
    live.close();
  });

  it('sends the subscriptions again when the server asks for it', async () => {
    const live = channel();
    live.subscribe('an_1');
    await flush();
    const socket = FakeSocket.all[0];
    socket.open();
    socket.receive({ type: 'error', code: 'conflict', message: 'not ready' });
    await vi.advanceTimersByTimeAsync(500);
    expect(socket.sent).toHaveLength(2);
    live.close();
  });

  it('stops when the session is over', async () => {
    FakeSocket.all = [];
    const live = new LiveChannel({
      url: 'ws://ws.test',
      token: async () => {
        throw new Error('expired');
      },
      socket: (url) => new FakeSocket(url) as unknown as WebSocket,
    }).start();
    await flush();
    expect(live.state).toBe('closed');
    expect(FakeSocket.all).toHaveLength(0);
  });

  it('caps the pause at 30 seconds', () => {
    expect(backoffDelay(0, 1000, 30000, () => 0.5)).toBe(1000);
    expect(backoffDelay(10, 1000, 30000, () => 0.5)).toBe(30000);
  });
});
