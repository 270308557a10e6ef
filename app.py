"""ChatMRPT: every entry point AWS invokes, one line of work each.

Routes take the verified caller and one `Deps` and call one service function;
events and stages hand their event to one processing function. The plumbing
(authorizer, error format, audit, request ids, CORS) lives in chalicelib.web.
Each route names its models and its docstring's first line is its summary: from
them `make openapi` writes chalicelib/openapi.json, which GET /openapi.json serves.
A model is named by reference, 'datasets.CreateDataset' for the class in
chalicelib/datasets/models.py (chalicelib.web.model), so no route loads pydantic
before it parses a body.
The few routes marked `computes=True` run the engine, which the API's own package leaves
out: in AWS this same app in the workers' package serves them (infra/package.py).
"""
import json
import pathlib

from chalicelib.accounts import audit, profiles
from chalicelib.analyses import itn_plans, requests as analyses
from chalicelib.config import settings
from chalicelib.conversations import requests as conversations
from chalicelib.datasets import requests as datasets, tpr
from chalicelib.progress import websocket
from chalicelib.storage.objects import UPLOAD_PREFIX
from chalicelib.web import ServiceApp, json_body

VERSION = '0.1.0'
OPENAPI = pathlib.Path(__file__).resolve().parent / 'chalicelib' / 'openapi.json'

app = ServiceApp('chatmrpt')
endpoint = app.endpoint


# -- public --------------------------------------------------------------------

@app.public('/health', response='Health')
def health():
    """Liveness and version."""
    return {'status': 'ok', 'version': VERSION}


@app.public('/openapi.json', response='ApiDocument')
def openapi():
    """This document.

    Read per request (small, and not user data); `make openapi` writes it.
    """
    return json.loads(OPENAPI.read_text())


# -- the caller ----------------------------------------------------------------

@endpoint('/me', action='me.get', response='accounts.Profile')
def me(identity, request, deps):
    """The caller's profile."""
    return profiles.me(identity, deps.users)


@endpoint('/audit', action='audit.read', query='accounts.AuditQuery', response='accounts.AuditPage', errors=[403])
def read_audit(identity, request, deps):
    """An admin's view of its organization's audit log, oldest first."""
    return audit.read(identity, request.query_params, deps.audit)


# -- datasets ------------------------------------------------------------------

@endpoint('/datasets', 'POST', 'datasets.create', 'dataset', writes=True, status=201,
          request='datasets.CreateDataset', response='datasets.DatasetCreated', errors=[413])
def create_dataset(identity, request, deps):
    """Create a dataset and get one presigned upload per file."""
    return datasets.create(identity.user_id, json_body(request), deps)


@endpoint('/datasets', action='datasets.list', query='PageQuery', response='datasets.DatasetPage')
def list_datasets(identity, request, deps):
    """The caller's datasets, newest first."""
    return datasets.list_page(identity.user_id, request.query_params, deps)


@endpoint('/datasets/{dataset_id}', action='datasets.get', resource='dataset', response='datasets.Dataset')
def get_dataset(identity, request, deps, dataset_id):
    """One dataset: status, validation report, summary when READY."""
    return datasets.get(identity.user_id, dataset_id, deps)


@endpoint('/datasets/{dataset_id}', 'DELETE', 'datasets.delete', 'dataset', writes=True, status=204)
def delete_dataset(identity, request, deps, dataset_id):
    """Delete a dataset and its files."""
    datasets.delete(identity.user_id, dataset_id, deps)


@endpoint('/datasets/{dataset_id}/uploads', 'POST', 'datasets.uploads', 'dataset', writes=True,
          request='datasets.RenewUploads', response='datasets.UploadsRenewed', errors=[409, 413])
def renew_uploads(identity, request, deps, dataset_id):
    """New upload links for files of a dataset that have not arrived (the links expired, or an upload
    failed): send only those again, to the same dataset."""
    return datasets.renew_uploads(identity.user_id, dataset_id, json_body(request), deps)


@endpoint('/datasets/{dataset_id}/tpr', 'POST', 'datasets.tpr', 'dataset', writes=True,
          request='datasets.ComputeTpr', response='datasets.TprResult', errors=[409, 422], computes=True)
def compute_tpr(identity, request, deps, dataset_id):
    """Ward test positivity rate from the dataset's facility export (role tpr); it becomes the variable
    u5_tpr_rdt or tpr."""
    return tpr.compute_tpr(identity.user_id, dataset_id, json_body(request), deps)


# -- analyses ------------------------------------------------------------------

@endpoint('/analyses', 'POST', 'analyses.create', 'analysis', writes=True, status=202,
          request='analyses.CreateAnalysis', response='analyses.AnalysisQueued', errors=[404, 409], computes=True)
def create_analysis(identity, request, deps):
    """Start an analysis of a READY dataset."""
    return analyses.create(identity.user_id, json_body(request), deps)


@endpoint('/analyses', action='analyses.list', query='PageQuery', response='analyses.AnalysisPage')
def list_analyses(identity, request, deps):
    """The caller's analyses, newest first."""
    return analyses.list_page(identity.user_id, request.query_params, deps)


@endpoint('/analyses/{analysis_id}', action='analyses.get', resource='analysis', response='analyses.Analysis')
def get_analysis(identity, request, deps, analysis_id):
    """One analysis: status, stage, progress, artifacts."""
    return analyses.get(identity.user_id, analysis_id, deps)


@endpoint('/analyses/{analysis_id}/rankings', action='analyses.rankings', resource='analysis',
          query='analyses.RankingQuery', response='analyses.RankingPage', errors=[409])
def analysis_rankings(identity, request, deps, analysis_id):
    """The ward ranking in rank order."""
    return analyses.rankings(identity.user_id, analysis_id, request.query_params, deps)


@endpoint('/analyses/{analysis_id}/artifacts/{name}', action='analyses.artifact', resource='analysis',
          response='analyses.Download')
def analysis_artifact(identity, request, deps, analysis_id, name):
    """A 5-minute download link for one file of the analysis."""
    return analyses.artifact(identity.user_id, analysis_id, name, deps)


@endpoint('/analyses/{analysis_id}', 'DELETE', 'analyses.delete', 'analysis', writes=True, status=204)
def delete_analysis(identity, request, deps, analysis_id):
    """Delete an analysis and its files."""
    analyses.delete(identity.user_id, analysis_id, deps)


@endpoint('/analyses/{analysis_id}/itn-plans', 'POST', 'analyses.itn_plan', 'analysis', writes=True,
          status=201, request='analyses.CreateItnPlan', response='analyses.ItnPlan', errors=[409, 422], computes=True)
def create_itn_plan(identity, request, deps, analysis_id):
    """Plan bed nets (ITN) on a SUCCEEDED analysis's ranking; population from its dataset."""
    return itn_plans.create_itn_plan(identity.user_id, analysis_id, json_body(request), deps)


@endpoint('/analyses/{analysis_id}/itn-plans', action='analyses.itn_plans', resource='analysis',
          response='analyses.ItnPlanList')
def list_itn_plans(identity, request, deps, analysis_id):
    """The analysis's bed-net plans, oldest first."""
    return itn_plans.list_itn_plans(identity.user_id, analysis_id, deps)


# -- conversations (the chat) ---------------------------------------------------

@endpoint('/conversations', 'POST', 'conversations.create', 'conversation', writes=True, status=201,
          request='conversations.CreateConversation', response='conversations.Conversation', errors=[404])
def create_conversation(identity, request, deps):
    """Start a conversation with the assistant, on one of your datasets if you name it."""
    return conversations.create(identity.user_id, json_body(request), deps)


@endpoint('/conversations', action='conversations.list', query='PageQuery', response='conversations.ConversationPage')
def list_conversations(identity, request, deps):
    """The caller's conversations, newest first."""
    return conversations.list_page(identity.user_id, request.query_params, deps)


@endpoint('/conversations/{conversation_id}', action='conversations.get', resource='conversation',
          query='PageQuery', response='conversations.ConversationMessages')
def get_conversation(identity, request, deps, conversation_id):
    """One conversation and its messages, oldest first."""
    return conversations.get(identity.user_id, conversation_id, request.query_params, deps)


@endpoint('/conversations/{conversation_id}', 'DELETE', 'conversations.delete', 'conversation', writes=True,
          status=204)
def delete_conversation(identity, request, deps, conversation_id):
    """Delete a conversation and its messages."""
    conversations.delete(identity.user_id, conversation_id, deps)


@endpoint('/conversations/{conversation_id}/messages', 'POST', 'conversations.message', 'conversation',
          writes=True, status=202, request='conversations.PostMessage', response='conversations.MessageQueued')
def post_message(identity, request, deps, conversation_id):
    """Send the assistant a message; its answer arrives over the WebSocket as chat events.

    The turn runs in the background: GET the conversation to read the answer without a WebSocket.
    """
    return conversations.post_message(identity.user_id, conversation_id, json_body(request), deps)


# -- Cognito triggers ----------------------------------------------------------

@app.lambda_function(name='pre_signup')
def pre_signup(event, context):
    config = settings()
    return profiles.check_signup(event, config.allowed_email_domains, config.allowed_organizations)


@app.lambda_function(name='post_confirmation')
def post_confirmation(event, context):
    return profiles.confirmed(event, app.deps().users)


@app.lambda_function(name='pre_authentication')
def pre_authentication(event, context):
    return profiles.check_signin(event, app.deps().users)


# -- events: uploads, the analysis worker, the chat worker, progress ---------------
# One `analysis_stage` function runs any stage (the event names it), so a stage added
# to stages.STAGES needs no new Lambda or IAM wiring, only a state in the Step Functions
# machine. The workers' modules are imported by the functions that run them, not at
# every cold start of the API's.

@app.on_s3_event(bucket=settings().data_bucket, prefix=UPLOAD_PREFIX, events=['s3:ObjectCreated:*'])
def on_upload(event):
    from chalicelib.datasets import processing
    processing.process_upload(event.key, app.deps())


@app.on_sqs_message(queue=settings().analysis_queue, batch_size=1)
def on_analysis_job(event):
    from chalicelib.analyses import runner
    for record in event:
        runner.handle_message(record.to_dict(), app.deps())


@app.on_sqs_message(queue=settings().analysis_dlq, batch_size=1)
def on_analysis_dead_letter(event):
    from chalicelib.analyses import runner
    for record in event:
        runner.handle_dead_letter(record.to_dict(), app.deps())


@app.on_sqs_message(queue=settings().chat_queue, batch_size=1)
def on_chat_turn(event):
    from chalicelib.conversations import turns
    for record in event:
        turns.handle_message(record.to_dict(), app.deps())


@app.on_sqs_message(queue=settings().chat_dlq, batch_size=1)
def on_chat_dead_letter(event):
    from chalicelib.conversations import turns
    for record in event:
        turns.handle_dead_letter(record.to_dict(), app.deps())


@app.lambda_function(name='analysis_stage')
def analysis_stage(event, context):
    from chalicelib.analyses import runner
    return runner.run_stage_event(event, app.deps())


# The state machine's own dead-letter path: an execution that ended unsuccessfully.
@app.on_cw_event({'source': ['aws.states'], 'detail-type': ['Step Functions Execution Status Change'],
                  'detail': {'status': ['FAILED', 'TIMED_OUT', 'ABORTED'],
                             'stateMachineArn': [settings().analysis_state_machine_arn]}},
                 name='on_analysis_execution_ended')
def on_analysis_execution_ended(event):
    from chalicelib.analyses import runner
    runner.handle_execution_ended(event.to_dict(), app.deps())


@app.schedule('rate(15 minutes)', name='overdue_analyses')
def overdue_analyses(event):
    from chalicelib.analyses import runner
    runner.report_overdue(app.deps())


@app.on_ws_connect()
def ws_connect(event):
    return websocket.connect(event.to_dict(), app.deps())


@app.on_ws_message()
def ws_message(event):
    websocket.receive(event.to_dict(), app.deps())


@app.on_ws_disconnect()
def ws_disconnect(event):
    websocket.disconnect(event.to_dict(), app.deps())
