/** Start: read /config.json, then show the sign-in form (or the session); a failure says what to do. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';
import { lazyAuth, mayHaveSession } from './auth/lazy';
import { ConfigError, loadConfig } from './config';
import './styles.css';

const root = createRoot(document.getElementById('root')!);

loadConfig().then(
  (config) =>
    root.render(
      <StrictMode>
        <App config={config} auth={lazyAuth(config)} maybeSignedIn={mayHaveSession(config)} />
      </StrictMode>,
    ),
  (error: unknown) =>
    root.render(
      <main className="sign-in">
        <h1>ChatMRPT</h1>
        <p role="alert" className="problem">
          {error instanceof ConfigError ? error.message : 'The app could not start. Reload the page.'}
        </p>
        <button type="button" onClick={() => window.location.reload()}>
          Reload the page
        </button>
      </main>
    ),
);
