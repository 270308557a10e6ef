import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Auth } from '../auth/auth';
import { CONFIG, fakeFetch, FakeSocket, json } from '../test/fakes';
import { App } from './App';
import { ErrorBoundary } from './feedback';

const auth = (): Auth => ({
  current: async () => ({ userId: 'u1', email: 'officer@example.org' }),
  signIn: async () => ({ kind: 'done' }),
  respond: async () => ({ kind: 'done' }),
  idToken: async () => 'token',
  signOut: vi.fn(async () => {}),
});

beforeEach(() => vi.stubGlobal('WebSocket', FakeSocket));
afterEach(() => vi.unstubAllGlobals());

describe('the app', () => {
  it('shows the sign-in form at once when no session can exist', () => {
    render(<App config={CONFIG} auth={auth()} maybeSignedIn={false} />);
    expect(screen.getByRole('button', { name: 'Sign in' })).toBeInTheDocument();
  });

  it('sends an expired session back to sign-in with a message, keeping what was typed', async () => {
    let expired = false;
    const network = fakeFetch({
      'GET /datasets': () => json({ items: [], next_token: null }),
      'GET /conversations': () => json({ items: [], next_token: null }),
      'POST /conversations': () =>
        expired ? json({ message: 'Unauthorized' }, 401) : json({ conversation_id: 'cv_1', title: null, dataset_id: null, analysis_id: null, created_at: '' }, 201),
    });
    vi.stubGlobal('fetch', network.fetch);
    window.location.hash = '#/chat';
    const user = userEvent.setup();
    render(<App config={CONFIG} auth={auth()} maybeSignedIn />);
    FakeSocket.all = [];
    const message = await screen.findByRole('textbox', { name: 'Message' }, { timeout: 5000 });
    await user.type(message, 'What are the top 10 highest risk wards?');
    await waitFor(() => expect(FakeSocket.all).toHaveLength(1));
    expired = true;
    await user.click(screen.getByRole('button', { name: 'Send' }));
    expect(await screen.findByText(/Your session has expired. Sign in again to continue/, { selector: '.notice' })).toBeVisible();
    expect(screen.queryByRole('textbox', { name: 'Message' })).toBeNull(); // hidden behind the sign-in form
    expired = false;
    await user.type(screen.getByRole('textbox', { name: 'Email' }), 'officer@example.org');
    await user.type(screen.getByLabelText('Password'), 'secret');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('textbox', { name: 'Message' })).toHaveValue('What are the top 10 highest risk wards?');
    await waitFor(() => expect(FakeSocket.all).toHaveLength(2)); // live updates with the new session's token
  });

  it('signs out to the sign-in form', async () => {
    vi.stubGlobal('fetch', fakeFetch({ 'GET /datasets': () => json({ items: [], next_token: null }) }).fetch);
    const session = auth();
    render(<App config={CONFIG} auth={session} maybeSignedIn />);
    await userEvent.click(await screen.findByRole('button', { name: 'Sign out' }, { timeout: 5000 }));
    expect(session.signOut).toHaveBeenCalled();
    expect(await screen.findByText('You have signed out.')).toBeInTheDocument();
  });
});

describe('the error boundary', () => {
  it('shows what to do instead of a blank page', () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const Broken = () => {
      throw new TypeError('Cannot read properties of undefined');
    };
    render(
      <ErrorBoundary>
        <Broken />
      </ErrorBoundary>,
    );
    expect(screen.getByRole('alert')).toHaveTextContent('This part of the page could not be shown');
    expect(screen.getByRole('button', { name: 'Reload the page' })).toBeInTheDocument();
  });
});
