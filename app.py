"""ChatMRPT: every entry point AWS invokes, declared as Chalice decorators.

Handlers stay thin: take the identity from the verified claims, call one service
function, shape the response. Heavy modules (pandas, plotly, pyproj) are never
imported here; the services import them where they compute.
"""
import os

from chalice import Chalice, CognitoUserPoolAuthorizer

from chalicelib import logs

VERSION = '0.1.0'

app = Chalice(app_name='chatmrpt')
logs.configure(app.log, os.environ.get('LOG_LEVEL', 'INFO'))

cognito = CognitoUserPoolAuthorizer(
    'cognito',
    provider_arns=[os.environ.get(
        'USER_POOL_ARN', 'arn:aws:cognito-idp:eu-west-1:000000000000:userpool/eu-west-1_local')])


@app.route('/health')
def health():
    return {'status': 'ok', 'version': VERSION}
