/** What the app needs from sign-in, whoever provides it (Cognito through Amplify, or a test's fake). */

export type SignInStep =
  | { kind: 'done' }
  | { kind: 'newPassword' }
  | { kind: 'code'; via: 'TOTP' | 'SMS' | 'EMAIL'; destination?: string }
  | { kind: 'chooseMfa'; options: string[] }
  | { kind: 'totpSetup'; secret: string }
  | { kind: 'unsupported'; step: string };

export interface Session {
  userId: string;
  email: string;
}

export interface Auth {
  /** The signed-in user, or null. */
  current(): Promise<Session | null>;
  signIn(email: string, password: string): Promise<SignInStep>;
  /** Answers the step signIn (or the last respond) asked for: a new password, a code, an MFA choice. */
  respond(answer: string): Promise<SignInStep>;
  /** A valid ID token (refreshed when needed); throws when the session is over. */
  idToken(): Promise<string>;
  signOut(): Promise<void>;
}

/** The sentence for a sign-in failure (Amplify/Cognito error names), saying what to do. */
export function signInErrorMessage(error: unknown): string {
  const name = (error as { name?: string } | null)?.name ?? '';
  const message = (error as { message?: string } | null)?.message ?? '';
  switch (name) {
    case 'NotAuthorizedException':
    case 'UserNotFoundException':
      return /disabled/i.test(message)
        ? 'This account is disabled. Ask your administrator to enable it.'
        : 'The email or password is not right. Check them and try again.';
    case 'CodeMismatchException':
      return 'That code is not right. Check the latest code and try again.';
    case 'ExpiredCodeException':
      return 'That code has expired. Sign in again to get a new one.';
    case 'InvalidPasswordException':
      return `${message || 'That password is not allowed.'} Choose another password.`;
    case 'PasswordResetRequiredException':
      return 'Your password must be reset. Ask your administrator for a temporary password.';
    case 'LimitExceededException':
    case 'TooManyRequestsException':
    case 'TooManyFailedAttemptsException':
      return 'Too many attempts. Wait a few minutes and try again.';
    case 'NetworkError':
      return 'The sign-in service could not be reached. Check your internet connection and try again.';
    case 'EmptySignInUsername':
    case 'EmptySignInPassword':
      return 'Enter your email and password.';
    default:
      if (/network|fetch/i.test(message)) {
        return 'The sign-in service could not be reached. Check your internet connection and try again.';
      }
      return `${message || 'Sign-in failed.'} Try again; if it keeps happening, ask your administrator.`;
  }
}
