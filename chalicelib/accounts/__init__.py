"""The caller: profile, Cognito triggers and the audit trail."""
