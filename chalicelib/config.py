"""Settings read from the environment.

Read on each call (cheap) rather than frozen at import, so a test or the local
stack can point the same process at other resources. Holds no user data.
"""
import os
from dataclasses import dataclass

MB = 1024 * 1024
CHAT_PROVIDERS = ('rules', 'bedrock')
ANALYSIS_RUNNERS = ('stepfunctions', 'sqs')


@dataclass(frozen=True)
class Settings:
    stage: str
    region: str
    users_table: str
    datasets_table: str
    analyses_table: str
    sessions_table: str
    connections_table: str
    audit_table: str
    data_bucket: str
    analysis_queue: str
    analysis_dlq: str
    chat_queue: str                # FIFO: a conversation's turns run in order, one at a time
    chat_dlq: str
    analysis_runner: str           # how POST /analyses starts the work: 'stepfunctions' or 'sqs'
    analysis_state_machine_arn: str  # the stage's analysis state machine (Step Functions)
    chat_provider: str             # 'rules' (pure Python, the default) or 'bedrock'
    bedrock_model_id: str          # a foundation model id or an inference profile id/ARN
    bedrock_region: str
    bedrock_guardrail_id: str      # '' for none
    bedrock_guardrail_version: str
    user_pool_id: str
    user_pool_client_id: str
    jwks_url: str
    max_upload_bytes: int
    allowed_origins: tuple
    allowed_email_domains: tuple
    allowed_organizations: tuple   # empty: any organization slug
    log_level: str

    @property
    def frontend_origin(self):
        """The stage's one web origin ('' for none).

        One, because API Gateway answers the CORS preflight itself with a fixed
        origin: a second one would pass simple requests and fail every
        preflighted call (all authenticated calls are).
        """
        if len(self.allowed_origins) > 1:
            raise ValueError(f'ALLOWED_ORIGINS names one frontend origin per stage, not '
                             f'{len(self.allowed_origins)}: {", ".join(self.allowed_origins)} '
                             '(docs/runbook.md, "First deployment")')
        return self.allowed_origins[0] if self.allowed_origins else ''

    def checked_chat_provider(self):
        """The chat provider's name once its configuration can work; ValueError naming the setting."""
        if self.chat_provider not in CHAT_PROVIDERS:
            raise ValueError(f'CHAT_PROVIDER is {self.chat_provider!r}: use one of {", ".join(CHAT_PROVIDERS)}')
        if self.chat_provider == 'bedrock' and not self.bedrock_model_id:
            raise ValueError('CHAT_PROVIDER is bedrock but BEDROCK_MODEL_ID is empty: name the model '
                             '(a foundation model id or an inference profile) the assistant calls')
        if bool(self.bedrock_guardrail_id) != bool(self.bedrock_guardrail_version):
            raise ValueError('BEDROCK_GUARDRAIL_ID and BEDROCK_GUARDRAIL_VERSION go together: set both or neither')
        return self.chat_provider

    def checked_analysis_runner(self):
        """How analyses start, once that can work; ValueError naming the setting."""
        if self.analysis_runner not in ANALYSIS_RUNNERS:
            raise ValueError(f'ANALYSIS_RUNNER is {self.analysis_runner!r}: use one of {", ".join(ANALYSIS_RUNNERS)}')
        if self.analysis_runner == 'stepfunctions' and not self.analysis_state_machine_arn:
            raise ValueError('ANALYSIS_RUNNER is stepfunctions but ANALYSIS_STATE_MACHINE_ARN is empty: '
                             'deploy with `make deploy` (it sets it) or use ANALYSIS_RUNNER=sqs')
        return self.analysis_runner

    @property
    def tables(self):
        """Table name by role, as `.local/stack.json` lists them."""
        return {
            'users': self.users_table,
            'datasets': self.datasets_table,
            'analyses': self.analyses_table,
            'sessions': self.sessions_table,
            'connections': self.connections_table,
            'audit': self.audit_table,
        }


def _csv(value):
    return tuple(part.strip() for part in value.split(',') if part.strip())


def settings(environ=None):
    """The settings of this process, from `environ` (default `os.environ`)."""
    env = os.environ if environ is None else environ
    stage = env.get('STAGE', 'local')
    prefix = f'chatmrpt-{stage}'
    region = env.get('AWS_REGION') or env.get('AWS_DEFAULT_REGION') or 'eu-west-1'
    pool = env.get('USER_POOL_ID', '')
    return Settings(
        stage=stage,
        region=region,
        users_table=env.get('USERS_TABLE', f'{prefix}-users'),
        datasets_table=env.get('DATASETS_TABLE', f'{prefix}-datasets'),
        analyses_table=env.get('ANALYSES_TABLE', f'{prefix}-analyses'),
        sessions_table=env.get('SESSIONS_TABLE', f'{prefix}-sessions'),
        connections_table=env.get('CONNECTIONS_TABLE', f'{prefix}-connections'),
        audit_table=env.get('AUDIT_TABLE', f'{prefix}-audit'),
        data_bucket=env.get('DATA_BUCKET', f'{prefix}-data'),
        analysis_queue=env.get('ANALYSIS_QUEUE', f'{prefix}-analysis'),
        analysis_dlq=env.get('ANALYSIS_DLQ', f'{prefix}-analysis-dlq'),
        chat_queue=env.get('CHAT_QUEUE', f'{prefix}-chat.fifo'),
        chat_dlq=env.get('CHAT_DLQ', f'{prefix}-chat-dlq.fifo'),
        # Unset (a bare environment, the unit tests): the SQS worker, which needs no state machine;
        # .chalice/config.json gives every stage Step Functions.
        analysis_runner=env.get('ANALYSIS_RUNNER', 'sqs'),
        analysis_state_machine_arn=env.get('ANALYSIS_STATE_MACHINE_ARN', ''),
        chat_provider=env.get('CHAT_PROVIDER', 'rules'),
        bedrock_model_id=env.get('BEDROCK_MODEL_ID', ''),
        bedrock_region=env.get('BEDROCK_REGION') or region,
        bedrock_guardrail_id=env.get('BEDROCK_GUARDRAIL_ID', ''),
        bedrock_guardrail_version=env.get('BEDROCK_GUARDRAIL_VERSION', ''),
        user_pool_id=pool,
        user_pool_client_id=env.get('USER_POOL_CLIENT_ID', ''),
        jwks_url=env.get('JWKS_URL') or (
            f'https://cognito-idp.{region}.amazonaws.com/{pool}/.well-known/jwks.json'),
        max_upload_bytes=int(env.get('MAX_UPLOAD_BYTES', str(50 * MB))),
        allowed_origins=_csv(env.get('ALLOWED_ORIGINS', '')),
        allowed_email_domains=_csv(env.get('ALLOWED_EMAIL_DOMAINS', '')),
        allowed_organizations=_csv(env.get('ALLOWED_ORGANIZATIONS', '')),
        log_level=env.get('LOG_LEVEL', 'INFO'),
    )
