import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { Auth, SignInStep } from './auth';
import { SignIn } from './SignIn';

function fakeAuth(steps: (SignInStep | Error)[]): Auth & { answers: string[] } {
  const answers: string[] = [];
  const next = async () => {
    const step = steps.shift()!;
    if (step instanceof Error) throw step;
    return step;
  };
  return {
    answers,
    current: async () => ({ userId: 'u1', email: 'officer@example.org' }),
    signIn: async (email, password) => {
      answers.push(email, password);
      return next();
    },
    respond: async (answer) => {
      answers.push(answer);
      return next();
    },
    idToken: async () => 'token',
    signOut: async () => {},
  };
}

const named = (name: string, code: string) => Object.assign(new Error(name), { name: code });

describe('sign-in', () => {
  it('signs in with email and password', async () => {
    const user = userEvent.setup();
    const auth = fakeAuth([{ kind: 'done' }]);
    const onSignedIn = vi.fn();
    render(<SignIn auth={auth} onSignedIn={onSignedIn} />);
    await user.type(screen.getByRole('textbox', { name: 'Email' }), 'officer@example.org');
    await user.type(screen.getByLabelText('Password'), 'secret-1');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(onSignedIn).toHaveBeenCalledWith({ userId: 'u1', email: 'officer@example.org' });
    expect(auth.answers).toEqual(['officer@example.org', 'secret-1']);
  });

  it('says a wrong password plainly and keeps the email', async () => {
    const user = userEvent.setup();
    render(<SignIn auth={fakeAuth([named('Incorrect username or password.', 'NotAuthorizedException')])} onSignedIn={() => {}} />);
    await user.type(screen.getByRole('textbox', { name: 'Email' }), 'officer@example.org');
    await user.type(screen.getByLabelText('Password'), 'wrong');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('The email or password is not right. Check them and try again.');
    expect(screen.getByRole('textbox', { name: 'Email' })).toHaveValue('officer@example.org');
  });

  it('asks for a new password when the pool requires one, then for an MFA code', async () => {
    const user = userEvent.setup();
    const auth = fakeAuth([{ kind: 'newPassword' }, { kind: 'code', via: 'TOTP' }, { kind: 'done' }]);
    const onSignedIn = vi.fn();
    render(<SignIn auth={auth} onSignedIn={onSignedIn} />);
    await user.type(screen.getByRole('textbox', { name: 'Email' }), 'new@example.org');
    await user.type(screen.getByLabelText('Password'), 'Temp-123');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    await user.type(await screen.findByLabelText('New password'), 'Mine-456!');
    await user.type(screen.getByLabelText('Repeat the new password'), 'Mine-456?');
    await user.click(screen.getByRole('button', { name: 'Set password' }));
    expect(screen.getByRole('alert')).toHaveTextContent('The two new passwords differ');
    await user.clear(screen.getByLabelText('Repeat the new password'));
    await user.type(screen.getByLabelText('Repeat the new password'), 'Mine-456!');
    await user.click(screen.getByRole('button', { name: 'Set password' }));
    expect(await screen.findByText('Enter the 6-digit code from your authenticator app.')).toBeInTheDocument();
    await user.type(screen.getByRole('textbox', { name: 'Code' }), '123456');
    await user.click(screen.getByRole('button', { name: 'Confirm' }));
    expect(onSignedIn).toHaveBeenCalled();
    expect(auth.answers).toEqual(['new@example.org', 'Temp-123', 'Mine-456!', '123456']);
  });
});
