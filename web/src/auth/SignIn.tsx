/** Sign-in: email and password, then whatever the user pool asks (a new password, an MFA code). */
import { useState, type FormEvent } from 'react';
import { signInErrorMessage, type Auth, type Session, type SignInStep } from './auth';

const MFA_NAMES: Record<string, string> = { TOTP: 'Authenticator app', SMS: 'Text message', EMAIL: 'Email code' };

interface Props {
  auth: Auth;
  /** Why the form is shown (e.g. the session expired). */
  notice?: string;
  onSignedIn: (session: Session) => void;
}

export function SignIn({ auth, notice, onSignedIn }: Props) {
  const [step, setStep] = useState<SignInStep | null>(null);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [answer, setAnswer] = useState('');
  const [repeat, setRepeat] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  async function advance(next: () => Promise<SignInStep>) {
    setBusy(true);
    setError('');
    try {
      const result = await next();
      setAnswer('');
      setRepeat('');
      if (result.kind === 'done') {
        const session = await auth.current();
        if (!session) throw new Error('The sign-in did not give a session.');
        onSignedIn(session);
        return;
      }
      setStep(result);
    } catch (caught) {
      setError(signInErrorMessage(caught));
    } finally {
      setBusy(false);
    }
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    if (!step) {
      if (!email.trim() || !password) {
        setError('Enter your email and password.');
        return;
      }
      void advance(() => auth.signIn(email, password));
    } else if (step.kind === 'newPassword') {
      if (answer !== repeat) {
        setError('The two new passwords differ. Type the same password twice.');
        return;
      }
      void advance(() => auth.respond(answer));
    } else {
      void advance(() => auth.respond(answer.trim()));
    }
  }

  function restart() {
    setStep(null);
    setError('');
    setPassword('');
  }

  return (
    <main className="sign-in">
      <h1>ChatMRPT</h1>
      <p className="lead">Malaria risk prioritisation for programme officers.</p>
      <form onSubmit={submit} noValidate>
        <h2>{title(step)}</h2>
        {notice && !step && (
          <p role="status" className="notice">
            {notice}
          </p>
        )}
        {!step && (
          <>
            <label>
              Email
              <input
                type="email"
                autoComplete="username"
                value={email}
                onChange={(e) => setEmail(e.target.value)}
                required
              />
            </label>
            <label>
              Password
              <input
                type="password"
                autoComplete="current-password"
                value={password}
                onChange={(e) => setPassword(e.target.value)}
                required
              />
            </label>
            <button type="submit" disabled={busy}>
              Sign in
            </button>
          </>
        )}
        {step?.kind === 'newPassword' && (
          <>
            <p>Your administrator gave you a temporary password. Choose your own password to continue.</p>
            <label>
              New password
              <input type="password" autoComplete="new-password" value={answer} onChange={(e) => setAnswer(e.target.value)} />
            </label>
            <label>
              Repeat the new password
              <input type="password" autoComplete="new-password" value={repeat} onChange={(e) => setRepeat(e.target.value)} />
            </label>
            <button type="submit" disabled={busy}>
              Set password
            </button>
          </>
        )}
        {step?.kind === 'totpSetup' && (
          <p>
            Add this key to your authenticator app: <code>{step.secret}</code>. Then enter the code the app shows.
          </p>
        )}
        {(step?.kind === 'code' || step?.kind === 'totpSetup') && (
          <>
            {step.kind === 'code' && <p>{codeHint(step)}</p>}
            <label>
              Code
              <input
                inputMode="numeric"
                autoComplete="one-time-code"
                value={answer}
                onChange={(e) => setAnswer(e.target.value)}
              />
            </label>
            <button type="submit" disabled={busy}>
              Confirm
            </button>
          </>
        )}
        {step?.kind === 'chooseMfa' && (
          <>
            <p>Choose how you receive your sign-in codes.</p>
            {step.options.map((option) => (
              <button key={option} type="button" disabled={busy} onClick={() => void advance(() => auth.respond(option))}>
                {MFA_NAMES[option] ?? option}
              </button>
            ))}
          </>
        )}
        {step?.kind === 'unsupported' && (
          <p role="alert">
            Your account needs a step this app cannot do ({step.step}). Ask your administrator to finish setting up your
            account.
          </p>
        )}
        {error && (
          <p role="alert" className="problem">
            {error}
          </p>
        )}
        {step && (
          <button type="button" className="link" onClick={restart}>
            Start again
          </button>
        )}
      </form>
    </main>
  );
}

function title(step: SignInStep | null): string {
  if (!step) return 'Sign in to continue';
  if (step.kind === 'newPassword') return 'Choose a new password';
  if (step.kind === 'chooseMfa' || step.kind === 'totpSetup') return 'Set up sign-in codes';
  return 'Enter your code';
}

function codeHint(step: Extract<SignInStep, { kind: 'code' }>): string {
  if (step.via === 'TOTP') return 'Enter the 6-digit code from your authenticator app.';
  const where = step.destination ? ` to ${step.destination}` : '';
  return step.via === 'SMS' ? `We sent a code by text message${where}.` : `We sent a code by email${where}.`;
}
