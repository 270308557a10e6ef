/** How the app says "wait", "this failed, here is what to do", and survives a broken part. */
import { Component, type ErrorInfo, type ReactNode } from 'react';
import { describeError } from '../api/errors';

export function Loading({ what }: { what: string }) {
  return (
    <p role="status" className="loading">
      Loading {what}…
    </p>
  );
}

/** An error as a sentence that says what to do, with a retry when one makes sense. */
export function Problem({ error, retry }: { error: unknown; retry?: () => void }) {
  return (
    <div role="alert" className="problem">
      <p>{describeError(error)}</p>
      {retry && (
        <button type="button" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

/** What to change before a form can go, one sentence each; nothing when there is nothing. */
export function Problems({ problems }: { problems: string[] }) {
  if (!problems.length) return null;
  return (
    <div role="alert" className="problem">
      <ul>
        {problems.map((p) => (
          <li key={p}>{p}</li>
        ))}
      </ul>
    </div>
  );
}

/** Sentences the server wants the person to check (what was repaired, dropped or assumed). */
export function Warnings({ warnings }: { warnings: string[] }) {
  if (!warnings.length) return null;
  return (
    <ul className="warnings">
      {warnings.map((w) => (
        <li key={w}>{w}</li>
      ))}
    </ul>
  );
}

interface BoundaryProps {
  children: ReactNode;
  /** Changing it (e.g. the screen shown) clears a caught error. */
  resetKey?: string;
}

/** A render error shows a message in place of its part of the page; the rest keeps working. */
export class ErrorBoundary extends Component<BoundaryProps, { error?: unknown }> {
  state: { error?: unknown } = {};

  static getDerivedStateFromError(error: unknown) {
    return { error };
  }

  componentDidCatch(error: unknown, info: ErrorInfo) {
    console.error('A part of the page failed', error, info.componentStack);
  }

  componentDidUpdate(previous: BoundaryProps) {
    if (previous.resetKey !== this.props.resetKey && this.state.error !== undefined) this.setState({ error: undefined });
  }

  render() {
    if (this.state.error === undefined) return this.props.children;
    return (
      <div role="alert" className="problem">
        <h2>This part of the page could not be shown</h2>
        <p>{describeError(this.state.error)}</p>
        <button type="button" onClick={() => this.setState({ error: undefined })}>
          Try again
        </button>{' '}
        <button type="button" onClick={() => window.location.reload()}>
          Reload the page
        </button>
      </div>
    );
  }
}
