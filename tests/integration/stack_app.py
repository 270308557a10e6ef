"""A small Chalice app with every event source the local stack bridges.

The integration tests run it inside a real local stack; each handler records
what it received as a JSON object under `received/` in the data bucket, where
the test reads it back through moto.
"""
import json
import os
import uuid

from chalice import Chalice, CognitoUserPoolAuthorizer, Response, WebsocketDisconnectedError

from chalicelib import aws
from chalicelib.config import settings
from chalicelib.tokens import TokenError, verify_id_token

app = Chalice(app_name='devstack-test')
cognito = CognitoUserPoolAuthorizer('cognito', provider_arns=[os.environ['USER_POOL_ARN']])
UPLOAD_PREFIX = 'uploads/'
RECEIVED_PREFIX = 'received/'


def record(kind, payload):
    s = settings()
    aws.client('s3', s.region).put_object(
        Bucket=s.data_bucket, Key=f'{RECEIVED_PREFIX}{kind}/{uuid.uuid4()}.json',
        Body=json.dumps(payload).encode())


@app.route('/whoami', authorizer=cognito)
def whoami():
    return {'claims': app.current_request.context['authorizer']['claims']}


@app.on_s3_event(bucket=os.environ['DATA_BUCKET'], prefix=UPLOAD_PREFIX, events=['s3:ObjectCreated:*'])
def on_upload(event):
    record('s3', {'bucket': event.bucket, 'key': event.key,
                  'raw_key': event.to_dict()['Records'][0]['s3']['object']['key'],
                  'size': event.to_dict()['Records'][0]['s3']['object']['size']})


@app.on_sqs_message(queue=os.environ['ANALYSIS_QUEUE'], batch_size=1)
def on_job(event):
    for message in event:
        body = json.loads(message.body)
        receives = int(message.to_dict()['attributes']['ApproximateReceiveCount'])
        if receives <= body['fail_times']:
            raise RuntimeError(f'job {body["id"]} fails on purpose (receive {receives})')
        record('sqs', {'id': body['id'], 'receives': receives,
                       'source': message.to_dict()['eventSourceARN']})


@app.on_ws_connect()
def on_connect(event):
    token = (event.to_dict().get('queryStringParameters') or {}).get('token')
    try:
        verify_id_token(token, settings())
    except TokenError as refused:
        return Response(status_code=401, body=refused.reason)
    return None


def _reply(event, message):
    app.websocket_api.send(event.connection_id, json.dumps(message))


@app.on_ws_message()
def on_message(event):
    body = json.loads(event.body)
    if body['action'] == 'whoami':
        _reply(event, {'connection_id': event.connection_id})
    elif body['action'] == 'echo':
        _reply(event, {'echo': body['text'], 'domain': event.domain_name, 'stage': event.stage})
    elif body['action'] == 'send_to':
        try:
            app.websocket_api.send(body['connection_id'], json.dumps({'hello': 'from a neighbour'}))
            _reply(event, {'sent': True})
        except WebsocketDisconnectedError as gone:
            _reply(event, {'error': 'disconnected', 'connection_id': gone.connection_id})
    else:
        raise ValueError(f'no action {body["action"]!r}')
