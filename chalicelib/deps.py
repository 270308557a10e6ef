"""The one dependencies object every entry point takes: routes, events and stages alike.

Each member is built on first use from the settings, so a request that reads one
table builds one adapter. A `Deps` lives for one invocation (the boto3 clients
underneath are shared through chalicelib.aws), so nothing of one user outlives the
call. Tests give replacements (a clock, a sender, a heartbeat's wait) as keyword
arguments, or take a copy with `replace`.
"""
import copy
import functools
import threading
import time
from functools import cached_property

from chalicelib import aws


class Deps:
    def __init__(self, settings, websocket_api=None, **given):
        self.settings = settings
        self.websocket_api = websocket_api
        for name, value in given.items():
            if not isinstance(getattr(type(self), name, None), cached_property):
                raise TypeError(f'Deps has no member {name!r}')
            self.__dict__[name] = value

    def replace(self, **given):
        """A copy with some members replaced (what was built already is shared)."""
        other = copy.copy(self)
        for name, value in given.items():
            if not isinstance(getattr(type(self), name, None), cached_property):
                raise TypeError(f'Deps has no member {name!r}')
            other.__dict__[name] = value
        return other

    # -- storage -----------------------------------------------------------------
    @cached_property
    def dynamodb(self):
        return aws.client('dynamodb', self.settings.region)

    @cached_property
    def users(self):
        from chalicelib.storage.users import Users
        return Users(self.settings.users_table, self.dynamodb)

    @cached_property
    def datasets(self):
        from chalicelib.storage.datasets import Datasets
        return Datasets(self.settings.datasets_table, self.dynamodb)

    @cached_property
    def analyses(self):
        from chalicelib.storage.analyses import Analyses
        return Analyses(self.settings.analyses_table, self.dynamodb)

    @cached_property
    def conversations(self):
        from chalicelib.storage.conversations import Conversations
        return Conversations(self.settings.sessions_table, self.dynamodb)

    @cached_property
    def connections(self):
        from chalicelib.storage.connections import Connections
        return Connections(self.settings.connections_table, self.dynamodb)

    @cached_property
    def audit(self):
        from chalicelib.storage.audit import AuditLog
        return AuditLog(self.settings.audit_table, self.dynamodb)

    @cached_property
    def objects(self):
        from chalicelib.storage.objects import Objects, signing_client
        return Objects(self.settings.data_bucket, signing_client(self.settings.region))

    @cached_property
    def jobs(self):
        """Where POST /analyses starts an analysis's job: the stage's state machine, or the SQS queue
        (ANALYSIS_RUNNER); both take `send(user_id, analysis_id)`."""
        if self.settings.checked_analysis_runner() == 'stepfunctions':
            from chalicelib.storage.executions import AnalysisExecutions
            return AnalysisExecutions(self.settings.analysis_state_machine_arn,
                                      aws.client('stepfunctions', self.settings.region))
        from chalicelib.storage.queue import JobQueue
        return JobQueue(self.settings.analysis_queue, aws.client('sqs', self.settings.region))

    @cached_property
    def chat(self):
        """The chat queue (FIFO) the turns of every conversation wait in."""
        from chalicelib.storage.queue import ChatQueue
        return ChatQueue(self.settings.chat_queue, aws.client('sqs', self.settings.region))

    # -- the assistant ---------------------------------------------------------------
    @cached_property
    def assistant(self):
        """The chat provider of the settings: the rules router, or Bedrock's Converse with the
        configured model (and guardrail)."""
        if self.settings.checked_chat_provider() == 'bedrock':
            from chalicelib.conversations.bedrock import BedrockProvider
            s = self.settings
            return BedrockProvider(aws.client('bedrock-runtime', s.bedrock_region), s.bedrock_model_id,
                                   s.bedrock_guardrail_id or None, s.bedrock_guardrail_version or None)
        from chalicelib.conversations.rules import RulesProvider
        return RulesProvider()

    # -- WebSocket -----------------------------------------------------------------
    @cached_property
    def sender(self):
        """Pushes messages to a user's WebSocket connections."""
        from chalicelib.progress.sender import ProgressSender
        return ProgressSender(self.connections, self.websocket_api)

    @cached_property
    def verify(self):
        """token -> verified claims; raises TokenError."""
        from chalicelib.tokens import verify_id_token
        return functools.partial(verify_id_token, settings=self.settings)

    # -- limits and time -------------------------------------------------------------
    @cached_property
    def max_bytes(self):
        return self.settings.max_upload_bytes

    @cached_property
    def clock(self):
        return time.time

    @cached_property
    def heartbeat_wait(self):
        """How a lease's heartbeat waits between renewals (a test drives it)."""
        return threading.Event.wait

    @cached_property
    def pause(self):
        """How a WebSocket subscribe waits for the connection index to catch up."""
        return time.sleep
