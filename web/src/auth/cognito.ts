/** Auth through Amplify v6 and the stage's Cognito user pool (locally: moto, with USER_PASSWORD_AUTH). */
import { Amplify } from 'aws-amplify';
import {
  confirmSignIn,
  fetchAuthSession,
  signIn,
  signOut,
  
  type SignInOutput,
} from 'aws-amplify/auth';
import { ApiError, SESSION_EXPIRED } from '../api/errors';
import type { RuntimeConfig } from '../config';
import type { Auth, Session, SignInStep } from './auth';

export function cognitoAuth(config: RuntimeConfig): Auth {
  Amplify.configure({
    Auth: {
      Cognito: {
        userPoolId: config.userPoolId,
        userPoolClientId: config.userPoolClientId,
        ...(config.userPoolEndpoint ? { userPoolEndpoint: config.userPoolEndpoint } : {}),
        loginWith: { email: true },
      },
    },
  });

  async function current(): Promise<Session | null> {
    try {
      const { tokens } = await fetchAuthSession();
      const payload = tokens?.idToken?.payload;
      if (!payload?.sub) return null;
      return { userId: String(payload.sub), email: String(payload.email ?? payload['cognito:username'] ?? '') };
    } catch {
      return null;
    }
  }

  return {
    current,
    async signIn(email, password) {
      if (await current()) await signOut(); // a stale session would refuse a new sign-in
      const output = await signIn({
        username: email.trim(),
        password,
        options: { authFlowType: config.authFlow },
      });
      return toStep(output);
    },
    async respond(answer) {
      return toStep(await confirmSignIn({ challengeResponse: answer }));
    },
    async idToken() {
      let token: string | undefined;
      try {
        token = (await fetchAuthSession()).tokens?.idToken?.toString();
      } catch {
        token = undefined;
      }
      if (!token) throw new ApiError(401, 'unauthorized', SESSION_EXPIRED);
      return token;
    },
    async signOut() {
      await signOut();
    },
  };
}

function toStep(output: SignInOutput): SignInStep {
  const next = output.nextStep;
  switch (next.signInStep) {
    case 'DONE':
      return { kind: 'done' };
    case 'CONFIRM_SIGN_IN_WITH_NEW_PASSWORD_REQUIRED':
      return { kind: 'newPassword' };
    case 'CONFIRM_SIGN_IN_WITH_TOTP_CODE':
      return { kind: 'code', via: 'TOTP' };
    case 'CONFIRM_SIGN_IN_WITH_SMS_CODE':
      return { kind: 'code', via: 'SMS', destination: next.codeDeliveryDetails?.destination };
    case 'CONFIRM_SIGN_IN_WITH_EMAIL_CODE':
      return { kind: 'code', via: 'EMAIL', destination: next.codeDeliveryDetails?.destination };
    case 'CONTINUE_SIGN_IN_WITH_MFA_SELECTION':
    case 'CONTINUE_SIGN_IN_WITH_MFA_SETUP_SELECTION':
      return { kind: 'chooseMfa', options: [...(next.allowedMFATypes ?? ['TOTP'])] };
    case 'CONTINUE_SIGN_IN_WITH_TOTP_SETUP':
      return { kind: 'totpSetup', secret: next.totpSetupDetails.sharedSecret };
    default:
      return { kind: 'unsupported', step: next.signInStep };
  }
}
