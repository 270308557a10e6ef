"""Build the deployable Terraform root module in build/ (`make package`).

Runs `chalice package --pkg-format terraform`, then wires what Chalice generated
to the resources of infra/*.tf and copies those files beside it, so build/ is one
root module that `infra/deploy.py` applies. The wiring is generic over what the
app declares: whatever Lambda functions, S3 notifications, SQS mappings and
WebSocket API the generated JSON contains are connected; a bucket or queue the
infrastructure does not define is an error, not a silent miss.

The user pool reaches the app twice: the REST authorizer's provider ARN is read
when Chalice imports app.py, so the packager runs with USER_POOL_ARN set to a
Terraform reference that lands in the swagger; and every function's environment
gets USER_POOL_ARN, USER_POOL_ID and USER_POOL_CLIENT_ID as references, resolved
by Terraform at apply time.

Chalice's one package is cut in two (infra/packages.py): the API's functions (REST,
WebSocket, Cognito triggers) run `api.zip`, without the analysis libraries; the others run
`worker.zip`. The REST routes app.py marks `computes=True` are sent to `api_compute`, the
same app in the worker package (its own function, its permission, its integrations in the
swagger). Each function's `aws_lambda_function` points at its package's object in the code
bucket; `packages.json` tells infra/deploy.py which functions run which package (releases,
rollback); the packager's check proves each package serves its functions on its own.
"""
import argparse
import copy
import json
import os
import pathlib
import shutil
import subprocess
import sys
import zipfile
from types import MappingProxyType

ROOT = pathlib.Path(__file__).resolve().parent.parent
INFRA = ROOT / 'infra'
CHECKOV = ROOT / '.venv-tools' / 'bin' / 'checkov'
sys.path.insert(0, str(ROOT))

from chalicelib.analyses.workflow import state_machine  # noqa: E402
from chalicelib.config import settings  # noqa: E402  (needs ROOT on the path)
from chalicelib.storage.objects import UPLOAD_PREFIX  # noqa: E402
from chalicelib.storage.queue import (  # noqa: E402  (infra/queues.tf uses the same)
    ANALYSIS_VISIBILITY_SECONDS, CHAT_VISIBILITY_SECONDS, DEAD_LETTER_VISIBILITY_SECONDS)
from infra import packages  # noqa: E402
from infra.packages import PackageError  # noqa: E402  (the one error of make package)

MB = 1024 * 1024
UNZIPPED_LIMIT = 250 * MB        # Lambda: per function, layers included
DIRECT_UPLOAD_LIMIT = 50 * MB    # Lambda: zipped, without going through S3
INSTALL_FAILURE = 'Could not install dependencies'

USER_POOL_ARN = '${aws_cognito_user_pool.users.arn}'
APP_ENVIRONMENT = MappingProxyType({
    'USER_POOL_ARN': USER_POOL_ARN,
    'USER_POOL_ID': '${aws_cognito_user_pool.users.id}',
    'USER_POOL_CLIENT_ID': '${aws_cognito_user_pool_client.web.id}',
    # infra/stepfunctions.tf; app.py also reads it at import, for its EventBridge rule's pattern.
    'ANALYSIS_STATE_MACHINE_ARN': '${local.analysis_state_machine_arn}',
})
# The function every Task of the analysis state machine calls (app.py).
STAGE_FUNCTION = 'analysis_stage'
# Chalice function name (@app.lambda_function(name=...) in app.py) -> Cognito trigger
# (infra/auth.tf's lambda_config wires exactly these).
COGNITO_TRIGGERS = MappingProxyType({
    'pre_signup': 'pre_sign_up',
    'post_confirmation': 'post_confirmation',
    'pre_authentication': 'pre_authentication',
})
# Errors API Gateway answers itself, in the contract's error shape
# (response type, status or None to keep API Gateway's, contract code).
GATEWAY_RESPONSES = (
    ('DEFAULT_4XX', None, 'bad_request'),
    ('DEFAULT_5XX', None, 'internal'),
    ('BAD_REQUEST_BODY', 400, 'bad_request'),
    ('BAD_REQUEST_PARAMETERS', 400, 'bad_request'),
    ('UNAUTHORIZED', 401, 'unauthorized'),
    ('EXPIRED_TOKEN', 401, 'unauthorized'),
    ('ACCESS_DENIED', 403, 'forbidden'),
    ('MISSING_AUTHENTICATION_TOKEN', 404, 'not_found'),   # API Gateway's answer to an unknown route
    ('RESOURCE_NOT_FOUND', 404, 'not_found'),
    ('REQUEST_TOO_LARGE', 413, 'too_large'),
    ('THROTTLED', 429, 'throttled'),
    ('QUOTA_EXCEEDED', 429, 'throttled'),
)
ERROR_TEMPLATE = ('{"error": {"code": "%s", "message": $context.error.messageString, '
                  '"details": {"request_id": "$context.requestId"}}}')
LOG_GROUP_DEPENDENCY = 'aws_cloudwatch_log_group.lambda'
# The functions that run the API's package (Chalice's names); every other runs the workers'.
API_FUNCTIONS = frozenset({'api_handler', 'websocket_connect', 'websocket_message', 'websocket_disconnect',
                           *COGNITO_TRIGGERS})
# The REST routes that compute, served by app.py in the worker package, with the memory of the upload
# function, which reads the same files.
COMPUTE_FUNCTION = 'api_compute'
COMPUTE_MEMORY_MB = 1536
PACKAGES_FILE = 'packages.json'


def stage_environment(config, stage):
    """The environment Chalice gives the stage's functions (.chalice/config.json)."""
    if stage not in config['stages']:
        raise PackageError(f'no stage {stage!r} in .chalice/config.json (stages: {", ".join(config["stages"])})')
    return {**config.get('environment_variables', {}),
            **config['stages'][stage].get('environment_variables', {})}


def run_chalice(stage, out, region, stage_env):
    """`chalice package` into `out`; fails on the packager's silent dependency failure.

    app.py reads names (the data bucket, the queue) at import: the packager runs
    with the stage's environment so the decorators see the stage's resources.
    """
    env = {**os.environ, **stage_env, 'AWS_DEFAULT_REGION': region, 'USER_POOL_ARN': USER_POOL_ARN,
           'ANALYSIS_STATE_MACHINE_ARN': APP_ENVIRONMENT['ANALYSIS_STATE_MACHINE_ARN']}
    chalice = pathlib.Path(sys.executable).parent / 'chalice'
    proc = subprocess.run(
        [str(chalice), '--project-dir', str(ROOT), 'package', '--pkg-format', 'terraform',
         '--stage', stage, str(out)],
        env=env, capture_output=True, text=True)
    output = proc.stdout + proc.stderr
    print(output, end='')
    if proc.returncode != 0:
        raise PackageError(f'chalice package exited with {proc.returncode}')
    if INSTALL_FAILURE in output:
        raise PackageError(f'chalice printed "{INSTALL_FAILURE}": pin versions of requirements.txt '
                           'that have manylinux2014 cp311 wheels')


def _resources(tf, kind):
    return tf.get('resource', {}).get(kind, {})


def _ref(kind, name, attr):
    return '${%s.%s.%s}' % (kind, name, attr)


def wire(tf, stage, api_stage_name, region, computing=()):
    """Connect Chalice's generated Terraform to infra/*.tf.

    `computing`: the (path, method) of the REST routes served by `api_compute`.
    Returns the variables infra/*.tf needs from the app (written to
    chalice.auto.tfvars.json). `tf` is changed in place.
    """
    functions = _resources(tf, 'aws_lambda_function')
    if 'rest_api' not in _resources(tf, 'aws_api_gateway_rest_api'):
        raise PackageError('no REST API in the generated package: infra/api.tf completes it '
                           '(does app.py still declare its routes?)')
    # The names the app will read in Lambda: its stage environment in .chalice/config.json.
    names = settings({**functions['api_handler']['environment']['variables'], 'AWS_REGION': region})
    _pins(tf)
    _drop_unused_data(tf)
    _packages(tf, computing)
    _upload_through_code_bucket(tf)
    for function in functions.values():
        _harden_function(function)
    for policy in _resources(tf, 'aws_iam_role_policy').values():
        policy['policy'] = '${data.aws_iam_policy_document.lambda.json}'
    origin = frontend_origin(names)
    _rest_api(tf, origin)
    _websocket_api(tf)
    _s3_notifications(tf, names)
    _sqs_mappings(tf, names)
    triggers = _cognito_triggers(tf, functions)
    _analysis_workflow(tf, functions)
    _event_rules(tf)
    return {
        'stage': stage,
        'region': names.region,
        'api_stage_name': api_stage_name,
        'lambda_function_names': sorted(f['function_name'] for f in functions.values()),
        'cognito_triggers': triggers,
        'frontend_origins': [origin] if origin else [],
        **assistant_model(names),
    }


def assistant_model(names):
    """The chat provider and the one model (and guardrail) infra/iam.tf lets the app call."""
    try:
        provider = names.checked_chat_provider()
    except ValueError as error:
        raise PackageError(f'{error} (.chalice/config.json)') from None
    return {'chat_provider': provider, 'bedrock_model_id': names.bedrock_model_id,
            'bedrock_region': names.bedrock_region, 'bedrock_guardrail_id': names.bedrock_guardrail_id}


def _pins(tf):
    """Drop Chalice's pins (Terraform < 1.4, AWS provider < 5): infra/versions.tf pins >= 1.10 and >= 5."""
    block = tf.get('terraform', {})
    block.pop('required_version', None)
    block.pop('required_providers', None)
    if not block:
        tf.pop('terraform', None)


def _drop_unused_data(tf):
    """Chalice declares a null_data_source it never reads; it would need the deprecated null provider."""
    data = tf.get('data', {})
    rest = json.dumps({k: v for k, v in tf.items() if k != 'data'})
    if 'data.null_data_source.' not in rest:
        data.pop('null_data_source', None)


def _packages(tf, computing):
    """Each function runs its package; the computing routes go to `api_compute` (app.app in the
    workers' package, invoked by the REST API like the API's function)."""
    functions = _resources(tf, 'aws_lambda_function')
    if computing:
        compute = copy.deepcopy(functions['api_handler'])
        compute['function_name'] += '-compute'
        compute['memory_size'] = COMPUTE_MEMORY_MB
        functions[COMPUTE_FUNCTION] = compute
        permissions = _resources(tf, 'aws_lambda_permission')
        permissions[f'{COMPUTE_FUNCTION}_invoke'] = dict(
            permissions['rest_api_invoke'], function_name=_ref('aws_lambda_function', COMPUTE_FUNCTION, 'arn'))
        swagger = json.loads(tf['locals']['chalice_api_swagger'])
        for path, method in computing:
            swagger['paths'][path][method.lower()]['x-amazon-apigateway-integration']['uri'] = _ref(
                'aws_lambda_function', COMPUTE_FUNCTION, 'invoke_arn')
        tf['locals']['chalice_api_swagger'] = json.dumps(swagger)
    for name, function in functions.items():
        package = packages.API_PACKAGE if name in API_FUNCTIONS else packages.WORKER_PACKAGE
        function['filename'] = '${path.module}/' + package
        function['source_code_hash'] = '${filebase64sha256("${path.module}/%s")}' % package


def computing_routes():
    """(path, method) of the routes app.py marks `computes=True`."""
    from app import app
    return sorted(route for route, operation in app.operations.items() if operation.computes)


def function_packages(tf):
    """{key in the code bucket: [function names]}: which functions run which package (infra/deploy.py)."""
    out = {}
    for function in _resources(tf, 'aws_lambda_function').values():
        out.setdefault(_object_of(tf, function)['key'], []).append(function['function_name'])
    return {key: sorted(names) for key, names in sorted(out.items())}


def _object_of(tf, resource):
    """The code bucket's object a function or layer loads its zip from (after `_upload_through_code_bucket`)."""
    return _resources(tf, 'aws_s3_object')[resource['s3_key'].split('.')[1]]


def _upload_through_code_bucket(tf):
    """Functions and layers load their zip from the code bucket (direct uploads stop at 50 MB)."""
    objects = tf['resource'].setdefault('aws_s3_object', {})
    for kind in ('aws_lambda_function', 'aws_lambda_layer_version'):
        for resource in _resources(tf, kind).values():
            path = resource.pop('filename', None)
            if path is None:
                continue
            filename = path.rsplit('/', 1)[-1]
            name = filename.replace('.', '_')
            objects[name] = {
                'bucket': '${module.code_bucket.id}',
                'key': f'lambda/{filename}',
                'source': path,
                'source_hash': '${filemd5("%s")}' % path,
                'server_side_encryption': 'aws:kms',
                'kms_key_id': '${aws_kms_key.data.arn}',
            }
            resource['s3_bucket'] = _ref('aws_s3_object', name, 'bucket')
            resource['s3_key'] = _ref('aws_s3_object', name, 'key')
            resource['s3_object_version'] = _ref('aws_s3_object', name, 'version_id')


def _harden_function(function):
    function['environment']['variables'].update(APP_ENVIRONMENT)
    function['tracing_config'] = {'mode': 'Active'}
    function['kms_key_arn'] = '${aws_kms_key.data.arn}'
    function['dead_letter_config'] = {'target_arn': '${aws_sqs_queue.events_dlq.arn}'}
    depends = function.setdefault('depends_on', [])
    if LOG_GROUP_DEPENDENCY not in depends:
        depends.append(LOG_GROUP_DEPENDENCY)


def gateway_responses(origin):
    """x-amazon-apigateway-gateway-responses in the contract's error format."""
    responses = {}
    for kind, status, code in GATEWAY_RESPONSES:
        response = {'responseTemplates': {'application/json': ERROR_TEMPLATE % code}}
        if status is not None:
            response['statusCode'] = str(status)
        if origin:
            response['responseParameters'] = {
                'gatewayresponse.header.Access-Control-Allow-Origin': f"'{origin}'"}
        responses[kind] = response
    return responses


def frontend_origin(names):
    """The stage's one web origin ('' for none), as the app's CORS configuration takes it."""
    try:
        return names.frontend_origin
    except ValueError as error:
        raise PackageError(str(error)) from None


def _rest_api(tf, origin):
    """Stage-unique API name, error shapes, and a deployment that infra/api.tf's stage serves."""
    api = _resources(tf, 'aws_api_gateway_rest_api')['rest_api']
    api['name'] = '${local.prefix}'
    api['lifecycle'] = {'create_before_destroy': True}
    swagger = json.loads(tf['locals']['chalice_api_swagger'])
    swagger['x-amazon-apigateway-gateway-responses'] = gateway_responses(origin)
    tf['locals']['chalice_api_swagger'] = json.dumps(swagger)
    deployment = _resources(tf, 'aws_api_gateway_deployment')['rest_api']
    # stage_name on a deployment is gone from AWS provider 6; aws_api_gateway_stage.api owns the stage.
    deployment.pop('stage_name', None)
    deployment.pop('stage_description', None)
    deployment['triggers'] = {'redeployment': '${md5(local.chalice_api_swagger)}'}
    tf['output']['EndpointURL'] = {'value': '${aws_api_gateway_stage.api.invoke_url}'}


def _websocket_api(tf):
    """Throttle and log the WebSocket stage; redeploy it when routes change.

    The app needs no endpoint setting: it stores each connection's domain and stage.
    """
    stages = _resources(tf, 'aws_apigatewayv2_stage')
    if not stages:
        return
    for stage in stages.values():
        stage['default_route_settings'] = {
            'throttling_rate_limit': '${var.api_throttle_rate_limit}',
            'throttling_burst_limit': '${var.api_throttle_burst_limit}',
        }
        stage['access_log_settings'] = {
            'destination_arn': '${aws_cloudwatch_log_group.websocket_access.arn}',
            'format': '${local.access_log_format}',
        }
    # Chalice's deployment never changes, so route changes would not reach the stage.
    parts = [f'{kind}.{name}' for kind in ('aws_apigatewayv2_route', 'aws_apigatewayv2_integration')
             for name in _resources(tf, kind)]
    for deployment in _resources(tf, 'aws_apigatewayv2_deployment').values():
        deployment['triggers'] = {'redeployment': '${sha1(jsonencode([%s]))}' % ', '.join(parts)}
        deployment['lifecycle'] = {'create_before_destroy': True}


def _s3_notifications(tf, names):
    """Chalice names the bucket literally; point it (and the invoke permission) at infra's bucket.

    A notification must select uploads alone: one that also selects what the app writes
    invokes its function for every artifact (paid, and a loop if the function writes there).
    """
    permissions = {f'aws_lambda_permission.{name}': permission
                   for name, permission in _resources(tf, 'aws_lambda_permission').items()
                   if permission['principal'] == 's3.amazonaws.com'}
    for notification in _resources(tf, 'aws_s3_bucket_notification').values():
        if notification['bucket'] != names.data_bucket:
            raise PackageError(f'the app listens to S3 bucket {notification["bucket"]!r}, which infra/ '
                               f'does not define; use DATA_BUCKET ({names.data_bucket})')
        for target in notification.get('lambda_function', []):
            if not target.get('filter_prefix', '').startswith(UPLOAD_PREFIX):
                raise PackageError(f'{target["lambda_function_arn"]} is notified of objects under '
                                   f'{target.get("filter_prefix", "")!r}, which the app writes itself: '
                                   f'use prefix={UPLOAD_PREFIX!r} in its on_s3_event')
        notification['bucket'] = '${module.data_bucket.id}'
        # S3 checks it may invoke the function when the notification is put.
        notification['depends_on'] = sorted(permissions)
    for permission in permissions.values():
        if not permission['source_arn'].endswith(f':::{names.data_bucket}'):
            raise PackageError(f'S3 permission for an unknown bucket: {permission["source_arn"]}')
        permission['source_arn'] = '${module.data_bucket.arn}'


def _sqs_mappings(tf, names):
    """Point each SQS mapping at infra's queue; Lambda refuses a consumer that outlasts the visibility timeout."""
    # queue name -> (infra/queues.tf resource, its visibility timeout)
    queues = {names.analysis_queue: ('analysis', ANALYSIS_VISIBILITY_SECONDS),
              names.analysis_dlq: ('analysis_dlq', DEAD_LETTER_VISIBILITY_SECONDS),
              names.chat_queue: ('chat', CHAT_VISIBILITY_SECONDS),
              names.chat_dlq: ('chat_dlq', DEAD_LETTER_VISIBILITY_SECONDS)}
    functions = _resources(tf, 'aws_lambda_function')
    for mapping in _resources(tf, 'aws_lambda_event_source_mapping').values():
        queue = mapping['event_source_arn'].rsplit(':', 1)[-1]
        if queue not in queues:
            raise PackageError(f'the app consumes SQS queue {queue!r}, which infra/queues.tf does not '
                               f'define; use ANALYSIS_QUEUE ({names.analysis_queue}) or CHAT_QUEUE '
                               f'({names.chat_queue})')
        resource, visibility = queues[queue]
        mapping['event_source_arn'] = _ref('aws_sqs_queue', resource, 'arn')
        consumer = functions[mapping['function_name'].split('.')[1]]
        if consumer.get('timeout', 3) > visibility:
            raise PackageError(f'{consumer["function_name"]} may run {consumer["timeout"]} s, longer than the '
                               f'queue\'s {visibility} s visibility timeout: lower lambda_timeout '
                               'in .chalice/config.json')


def _cognito_triggers(tf, functions):
    """Let the user pool invoke the trigger functions; return trigger -> function name for infra/auth.tf."""
    triggers = {}
    permissions = tf['resource'].setdefault('aws_lambda_permission', {})
    for name, function in functions.items():
        trigger = COGNITO_TRIGGERS.get(name)
        if trigger is None:
            continue
        triggers[trigger] = function['function_name']
        permissions[f'{name}-cognito'] = {
            'statement_id': f'{name}-cognito',
            'action': 'lambda:InvokeFunction',
            'function_name': _ref('aws_lambda_function', name, 'arn'),
            'principal': 'cognito-idp.amazonaws.com',
            'source_arn': '${aws_cognito_user_pool.users.arn}',
        }
    return triggers


def _analysis_workflow(tf, functions):
    """The state machine's definition (chalicelib/analyses/workflow.py) as local.analysis_workflow,
    its Tasks calling the packaged stage function, for infra/stepfunctions.tf."""
    if STAGE_FUNCTION not in functions:
        raise PackageError(f'no {STAGE_FUNCTION!r} function in the package: the analysis state machine '
                           f'calls it (@app.lambda_function(name={STAGE_FUNCTION!r}) in app.py)')
    definition = state_machine(_ref('aws_lambda_function', STAGE_FUNCTION, 'arn'))
    tf.setdefault('locals', {})['analysis_workflow'] = json.dumps(definition)


def _event_rules(tf):
    """Stage-unique names for the EventBridge rules Chalice names after the function alone."""
    for rule in _resources(tf, 'aws_cloudwatch_event_rule').values():
        rule['name'] = '${local.prefix}-' + rule['name']


def copy_infra(out):
    """infra/*.tf and its modules beside the generated JSON: one root module."""
    for path in INFRA.glob('*.tf'):
        shutil.copy2(path, out / path.name)
    shutil.copytree(INFRA / 'modules', out / 'modules')


def measure(out, tf):
    """Zipped and unzipped bytes per function, its layers included."""
    def zip_sizes(source):
        path = out / source.rsplit('/', 1)[-1]
        with zipfile.ZipFile(path) as archive:
            return path.stat().st_size, sum(info.file_size for info in archive.infolist())

    layers = {f'${{aws_lambda_layer_version.{n}.arn}}': layer
              for n, layer in _resources(tf, 'aws_lambda_layer_version').items()}

    def source_of(resource):
        return _object_of(tf, resource)['source']

    sizes = {}
    for layer_ref, layer in layers.items():
        sizes[f'layer {layer["layer_name"]}'] = zip_sizes(source_of(layer))
    for function in _resources(tf, 'aws_lambda_function').values():
        zipped, unzipped = zip_sizes(source_of(function))
        for layer_ref in function.get('layers', []):
            layer_zipped, layer_unzipped = zip_sizes(source_of(layers[layer_ref]))
            zipped, unzipped = zipped + layer_zipped, unzipped + layer_unzipped
        sizes[function['function_name']] = (zipped, unzipped)
    return sizes


def check_sizes(sizes):
    """Print the sizes; raise when a function with its layers is over Lambda's unzipped limit."""
    print(f'{"function or layer":<44} {"zipped MB":>10} {"unzipped MB":>12}')
    for name, (zipped, unzipped) in sizes.items():
        print(f'{name:<44} {zipped / MB:>10.1f} {unzipped / MB:>12.1f}')
    if any(zipped > DIRECT_UPLOAD_LIMIT for zipped, _ in sizes.values()):
        print(f'(over {DIRECT_UPLOAD_LIMIT // MB} MB zipped: uploaded through the code bucket)')
    over = [name for name, (_, unzipped) in sizes.items() if unzipped > UNZIPPED_LIMIT]
    if over:
        raise PackageError(f'over Lambda\'s {UNZIPPED_LIMIT // MB} MB unzipped limit: {", ".join(over)}; '
                           'drop a dependency from requirements.txt or move it out of the package')


def scan(out):
    """checkov over the package (settings and reasoned skips in infra/checkov.yaml): no deploy with a failed check."""
    if not CHECKOV.exists():
        raise PackageError(f'{CHECKOV} is missing: run `make tools`')
    proc = subprocess.run([str(CHECKOV), '--config-file', str(INFRA / 'checkov.yaml'), '-d', str(out),
                           '--compact', '--quiet'], capture_output=True, text=True)
    if proc.returncode != 0:
        print(proc.stdout + proc.stderr)
        raise PackageError('checkov found failed checks (above): fix them, or skip one with its reason')
    print('checkov: no failed check')


def build(stage, out, region):
    """The whole of `make package`; returns the sizes."""
    config = json.loads((ROOT / '.chalice' / 'config.json').read_text())
    if out.exists():
        shutil.rmtree(out)
    environment = stage_environment(config, stage)
    run_chalice(stage, out, region, environment)
    packages.split(out)
    api_stage_name = config['stages'][stage].get('api_gateway_stage', 'api')
    template_path = out / 'chalice.tf.json'
    tf = json.loads(template_path.read_text())
    tfvars = wire(tf, stage, api_stage_name, region, computing_routes())
    template_path.write_text(json.dumps(tf, indent=2) + '\n')
    (out / 'chalice.auto.tfvars.json').write_text(json.dumps(tfvars, indent=2) + '\n')
    (out / PACKAGES_FILE).write_text(json.dumps(function_packages(tf), indent=2) + '\n')
    copy_infra(out)
    sizes = measure(out, tf)
    check_sizes(sizes)
    packages.check_budgets(out)
    handlers = {}
    for function in _resources(tf, 'aws_lambda_function').values():
        package = _object_of(tf, function)['source'].rsplit('/', 1)[-1]
        handlers.setdefault(package, set()).add(function['handler'])
    packages.check(out, handlers, {**environment, **APP_ENVIRONMENT, 'AWS_DEFAULT_REGION': region})
    return sizes


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--stage', required=True, help='a stage of .chalice/config.json')
    parser.add_argument('--out', type=pathlib.Path, default=ROOT / 'build')
    parser.add_argument('--region', default=os.environ.get('AWS_REGION')
                        or os.environ.get('AWS_DEFAULT_REGION') or 'eu-west-1')
    parser.add_argument('--no-scan', action='store_true', help='skip checkov (the tests scan on their own)')
    args = parser.parse_args(argv)
    try:
        build(args.stage, args.out, args.region)
        if not args.no_scan:
            scan(args.out)
    except PackageError as error:
        print(f'package: {error}', file=sys.stderr)
        return 1
    print(f'package: {args.out} is ready for infra/deploy.py apply --stage {args.stage}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
