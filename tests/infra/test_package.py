"""infra/package.py: wiring Chalice's Terraform to infra/*.tf, size limits, and the real package."""
import json
import os
import pathlib
import shutil
import subprocess
import zipfile

import pytest

from tests.infra.hcl import INFRA, ROOT, load_script

ENV = {
    'STAGE': 'dev', 'DATA_BUCKET': 'chatmrpt-dev-data', 'ANALYSIS_QUEUE': 'chatmrpt-dev-analysis',
    'ANALYSIS_DLQ': 'chatmrpt-dev-analysis-dlq', 'ALLOWED_ORIGINS': 'https://dev.chatmrpt.example.org',
}
ACCOUNT = '${data.aws_caller_identity.chalice.account_id}'


def function(name, handler):
    return {'function_name': name, 'handler': handler, 'runtime': 'python3.11',
            'filename': '${path.module}/deployment.zip',
            'source_code_hash': '${filebase64sha256("${path.module}/deployment.zip")}',
            'environment': {'variables': dict(ENV)}, 'role': '${aws_iam_role.default-role.arn}'}


def chalice_template():
    """The shape `chalice package --pkg-format terraform` emits (chalice 1.34.0), trimmed."""
    swagger = {'swagger': '2.0', 'paths': {}, 'securityDefinitions': {'cognito': {
        'x-amazon-apigateway-authorizer': {'providerARNs': ['${aws_cognito_user_pool.users.arn}']}}}}
    return {
        'resource': {
            'aws_iam_role_policy': {'default-role': {'policy': '{"Statement": []}', 'role': 'x'}},
            'aws_lambda_function': {
                'api_handler': function('chatmrpt-dev', 'app.app'),
                'on_upload': function('chatmrpt-dev-on_upload', 'app.on_upload'),
                'on_job': function('chatmrpt-dev-on_job', 'app.on_job'),
                'pre_signup': function('chatmrpt-dev-pre_signup', 'app.pre_signup'),
                'analysis_stage': function('chatmrpt-dev-analysis_stage', 'app.analysis_stage'),
                'websocket_connect': function('chatmrpt-dev-websocket_connect', 'app.ws_connect'),
            },
            'aws_s3_bucket_notification': {'chatmrpt-dev-data_notify': {
                'bucket': 'chatmrpt-dev-data',
                'lambda_function': [{'events': ['s3:ObjectCreated:*'], 'filter_prefix': 'uploads/',
                                     'lambda_function_arn': '${aws_lambda_function.on_upload.arn}'}]}},
            'aws_lambda_permission': {'on_upload-s3event': {
                'principal': 's3.amazonaws.com',
                'source_arn': 'arn:${data.aws_partition.chalice.partition}:s3:::chatmrpt-dev-data'}},
            'aws_lambda_event_source_mapping': {'on_job-sqs-event-source': {
                'event_source_arn': f'arn:aws:sqs:eu-west-1:{ACCOUNT}:chatmrpt-dev-analysis',
                'function_name': '${aws_lambda_function.on_job.arn}'}},
            'aws_api_gateway_rest_api': {'rest_api': {'body': '${local.chalice_api_swagger}', 'name': 'chatmrpt'}},
            'aws_api_gateway_deployment': {'rest_api': {
                'stage_name': 'api', 'stage_description': '${md5(local.chalice_api_swagger)}',
                'rest_api_id': '${aws_api_gateway_rest_api.rest_api.id}'}},
            'aws_apigatewayv2_api': {'websocket_api': {'protocol_type': 'WEBSOCKET'}},
            'aws_apigatewayv2_route': {'websocket_connect_route': {'route_key': '$connect'}},
            'aws_apigatewayv2_integration': {'websocket_connect_api_integration': {}},
            'aws_apigatewayv2_deployment': {'websocket_api_deployment': {}},
            'aws_apigatewayv2_stage': {'websocket_api_stage': {'name': 'api'}},
        },
        'locals': {'chalice_api_swagger': json.dumps(swagger)},
        'terraform': {'required_version': '>= 0.12.26, < 1.4.0',
                      'required_providers': {'aws': {'version': '>= 3.61.0, < 5'}, 'null': {}}},
        'data': {'aws_region': {'chalice': {}}, 'null_data_source': {'chalice': {'inputs': {}}}},
        'output': {'EndpointURL': {'value': '${aws_api_gateway_deployment.rest_api.invoke_url}'}},
    }


@pytest.fixture
def wired(packager):
    tf = chalice_template()
    tfvars = packager.wire(tf, 'dev', 'api', 'eu-west-1')
    return tf, tfvars


def test_old_pins_and_the_null_provider_go(wired):
    tf, _ = wired
    assert 'terraform' not in tf, 'infra/versions.tf is the one place that pins Terraform and the provider'
    assert 'null_data_source' not in tf['data']


def test_code_is_uploaded_through_the_code_bucket_one_package_for_the_api_one_for_the_workers(wired):
    tf, _ = wired
    objects = tf['resource']['aws_s3_object']
    assert {name: (o['bucket'], o['source'], o['key']) for name, o in objects.items()} == {
        f'{p}_zip': ('${module.code_bucket.id}', f'${{path.module}}/{p}.zip', f'lambda/{p}.zip')
        for p in ('api', 'worker')}
    for name, fn in tf['resource']['aws_lambda_function'].items():
        package = 'api_zip' if name in ('api_handler', 'pre_signup', 'websocket_connect') else 'worker_zip'
        assert 'filename' not in fn
        assert fn['source_code_hash'] == objects[package]['source_hash'].replace('md5', 'base64sha256')
        assert fn['s3_bucket'] == f'${{aws_s3_object.{package}.bucket}}'
        assert fn['s3_object_version'] == f'${{aws_s3_object.{package}.version_id}}'


def test_routes_that_compute_are_served_by_the_app_in_the_workers_package(packager):
    tf = chalice_template()
    swagger = json.loads(tf['locals']['chalice_api_swagger'])
    for path in ('/analyses', '/me'):
        swagger['paths'][path] = {method: {'x-amazon-apigateway-integration': {
            'uri': '${aws_lambda_function.api_handler.invoke_arn}'}} for method in ('get', 'post')}
    tf['locals']['chalice_api_swagger'] = json.dumps(swagger)
    tf['resource']['aws_lambda_permission']['rest_api_invoke'] = {
        'function_name': '${aws_lambda_function.api_handler.arn}', 'action': 'lambda:InvokeFunction',
        'principal': 'apigateway.amazonaws.com', 'source_arn': '${aws_api_gateway_rest_api.rest_api.execution_arn}/*'}
    tfvars = packager.wire(tf, 'dev', 'api', 'eu-west-1', [('/analyses', 'POST')])
    paths = json.loads(tf['locals']['chalice_api_swagger'])['paths']
    uris = {(path, method): op['x-amazon-apigateway-integration']['uri']
            for path, ops in paths.items() for method, op in ops.items()}
    assert uris == {('/analyses', 'post'): '${aws_lambda_function.api_compute.invoke_arn}',
                    ('/analyses', 'get'): '${aws_lambda_function.api_handler.invoke_arn}',
                    ('/me', 'get'): '${aws_lambda_function.api_handler.invoke_arn}',
                    ('/me', 'post'): '${aws_lambda_function.api_handler.invoke_arn}'}
    compute = tf['resource']['aws_lambda_function']['api_compute']
    assert (compute['function_name'], compute['handler'], compute['memory_size']) == ('chatmrpt-dev-compute', 'app.app',
                                                                                     packager.COMPUTE_MEMORY_MB)
    assert compute['s3_key'] == '${aws_s3_object.worker_zip.key}' and compute['tracing_config'] == {'mode': 'Active'}
    permission = tf['resource']['aws_lambda_permission']['api_compute_invoke']
    assert permission['function_name'] == '${aws_lambda_function.api_compute.arn}'
    assert permission['principal'] == 'apigateway.amazonaws.com'
    assert 'chatmrpt-dev-compute' in tfvars['lambda_function_names']
    assert packager.function_packages(tf) == {
        'lambda/api.zip': ['chatmrpt-dev', 'chatmrpt-dev-pre_signup', 'chatmrpt-dev-websocket_connect'],
        'lambda/worker.zip': ['chatmrpt-dev-analysis_stage', 'chatmrpt-dev-compute', 'chatmrpt-dev-on_job',
                              'chatmrpt-dev-on_upload']}


def test_every_function_knows_the_user_pool_and_is_traced_encrypted_and_logged(wired):
    tf, _ = wired
    for fn in tf['resource']['aws_lambda_function'].values():
        env = fn['environment']['variables']
        assert env['USER_POOL_ARN'] == '${aws_cognito_user_pool.users.arn}'
        assert env['USER_POOL_ID'] == '${aws_cognito_user_pool.users.id}'
        assert env['USER_POOL_CLIENT_ID'] == '${aws_cognito_user_pool_client.web.id}'
        assert env['DATA_BUCKET'] == 'chatmrpt-dev-data'
        assert fn['tracing_config'] == {'mode': 'Active'}
        assert fn['kms_key_arn'] == '${aws_kms_key.data.arn}'
        assert 'aws_cloudwatch_log_group.lambda' in fn['depends_on']


def test_generated_role_policy_is_replaced_by_infra_policy(wired):
    tf, _ = wired
    policy = tf['resource']['aws_iam_role_policy']['default-role']['policy']
    assert policy == '${data.aws_iam_policy_document.lambda.json}'


def test_s3_notification_and_sqs_mapping_point_at_infra_resources(wired):
    tf, _ = wired
    notification = tf['resource']['aws_s3_bucket_notification']['chatmrpt-dev-data_notify']
    assert notification['bucket'] == '${module.data_bucket.id}'
    assert notification['depends_on'] == ['aws_lambda_permission.on_upload-s3event']
    assert tf['resource']['aws_lambda_permission']['on_upload-s3event']['source_arn'] == '${module.data_bucket.arn}'
    mapping = tf['resource']['aws_lambda_event_source_mapping']['on_job-sqs-event-source']
    assert mapping['event_source_arn'] == '${aws_sqs_queue.analysis.arn}'


def test_an_unknown_bucket_or_queue_is_refused(packager):
    tf = chalice_template()
    tf['resource']['aws_s3_bucket_notification']['chatmrpt-dev-data_notify']['bucket'] = 'someone-elses'
    with pytest.raises(packager.PackageError, match='someone-elses'):
        packager.wire(tf, 'dev', 'api', 'eu-west-1')
    tf = chalice_template()
    tf['resource']['aws_lambda_event_source_mapping']['on_job-sqs-event-source']['event_source_arn'] = 'arn:q:jobs'
    with pytest.raises(packager.PackageError, match="'jobs'"):
        packager.wire(tf, 'dev', 'api', 'eu-west-1')


@pytest.mark.parametrize('notified', [{'filter_prefix': 'users/'}, {}, {'filter_suffix': '.csv'}])
def test_a_notification_that_selects_what_the_app_writes_is_refused(packager, notified):
    """Each object the app writes would invoke the function: paid, and a loop if it writes there."""
    tf = chalice_template()
    [target] = tf['resource']['aws_s3_bucket_notification']['chatmrpt-dev-data_notify']['lambda_function']
    target.pop('filter_prefix')
    target.update(notified)
    with pytest.raises(packager.PackageError, match="prefix='uploads/'"):
        packager.wire(tf, 'dev', 'api', 'eu-west-1')


def test_a_queue_consumer_outlasting_the_visibility_timeout_is_refused(packager):
    tf = chalice_template()
    tf['resource']['aws_lambda_function']['on_job']['timeout'] = 901
    with pytest.raises(packager.PackageError, match='chatmrpt-dev-on_job may run 901 s'):
        packager.wire(tf, 'dev', 'api', 'eu-west-1')


def test_a_dead_letter_consumer_outlasting_the_dead_letter_queues_visibility_is_refused(packager):
    def with_dead_letter_consumer(timeout):
        tf = chalice_template()
        tf['resource']['aws_lambda_function']['on_dead'] = dict(
            function('chatmrpt-dev-on_dead', 'app.on_dead'), timeout=timeout)
        tf['resource']['aws_lambda_event_source_mapping']['on_dead-sqs-event-source'] = {
            'event_source_arn': f'arn:aws:sqs:eu-west-1:{ACCOUNT}:chatmrpt-dev-analysis-dlq',
            'function_name': '${aws_lambda_function.on_dead.arn}'}
        return tf

    limit = packager.DEAD_LETTER_VISIBILITY_SECONDS
    with pytest.raises(packager.PackageError,
                       match=f'chatmrpt-dev-on_dead may run {limit + 1} s.*{limit} s visibility'):
        packager.wire(with_dead_letter_consumer(limit + 1), 'dev', 'api', 'eu-west-1')
    tf = with_dead_letter_consumer(limit)
    packager.wire(tf, 'dev', 'api', 'eu-west-1')
    mapping = tf['resource']['aws_lambda_event_source_mapping']['on_dead-sqs-event-source']
    assert mapping['event_source_arn'] == '${aws_sqs_queue.analysis_dlq.arn}'


def test_the_chat_queues_mappings_point_at_infra_queues(packager):
    tf = chalice_template()
    for name, queue in (('on_turn', 'chatmrpt-dev-chat.fifo'), ('on_dead_turn', 'chatmrpt-dev-chat-dlq.fifo')):
        tf['resource']['aws_lambda_function'][name] = function(f'chatmrpt-dev-{name}', f'app.{name}')
        tf['resource']['aws_lambda_event_source_mapping'][f'{name}-sqs-event-source'] = {
            'event_source_arn': f'arn:aws:sqs:eu-west-1:{ACCOUNT}:{queue}',
            'function_name': f'${{aws_lambda_function.{name}.arn}}'}
    packager.wire(tf, 'dev', 'api', 'eu-west-1')
    mappings = tf['resource']['aws_lambda_event_source_mapping']
    assert mappings['on_turn-sqs-event-source']['event_source_arn'] == '${aws_sqs_queue.chat.arn}'
    assert mappings['on_dead_turn-sqs-event-source']['event_source_arn'] == '${aws_sqs_queue.chat_dlq.arn}'


def test_the_assistants_model_reaches_terraform_from_the_stage(packager, wired):
    _, tfvars = wired
    assert (tfvars['chat_provider'], tfvars['bedrock_model_id']) == ('rules', '')
    tf = chalice_template()
    for fn in tf['resource']['aws_lambda_function'].values():
        fn['environment']['variables'].update(CHAT_PROVIDER='bedrock', BEDROCK_MODEL_ID='eu.amazon.nova-lite-v1:0',
                                              BEDROCK_GUARDRAIL_ID='gr-1', BEDROCK_GUARDRAIL_VERSION='3')
    tfvars = packager.wire(tf, 'dev', 'api', 'eu-west-1')
    assert {k: tfvars[k] for k in ('chat_provider', 'bedrock_model_id', 'bedrock_region', 'bedrock_guardrail_id')} \
        == {'chat_provider': 'bedrock', 'bedrock_model_id': 'eu.amazon.nova-lite-v1:0',
            'bedrock_region': 'eu-west-1', 'bedrock_guardrail_id': 'gr-1'}


def test_a_bedrock_stage_without_a_model_is_refused(packager):
    tf = chalice_template()
    for fn in tf['resource']['aws_lambda_function'].values():
        fn['environment']['variables']['CHAT_PROVIDER'] = 'bedrock'
    with pytest.raises(packager.PackageError, match='BEDROCK_MODEL_ID'):
        packager.wire(tf, 'dev', 'api', 'eu-west-1')


def test_cognito_triggers_are_permitted_and_reported(wired):
    tf, tfvars = wired
    assert tfvars['cognito_triggers'] == {'pre_sign_up': 'chatmrpt-dev-pre_signup'}
    permission = tf['resource']['aws_lambda_permission']['pre_signup-cognito']
    assert permission['principal'] == 'cognito-idp.amazonaws.com'
    assert permission['source_arn'] == '${aws_cognito_user_pool.users.arn}'
    assert tfvars['lambda_function_names'] == sorted(
        f['function_name'] for f in tf['resource']['aws_lambda_function'].values())
    assert tfvars['frontend_origins'] == ['https://dev.chatmrpt.example.org']


def test_rest_stage_moves_to_infra_and_deploys_on_change(wired):
    tf, _ = wired
    deployment = tf['resource']['aws_api_gateway_deployment']['rest_api']
    assert 'stage_name' not in deployment
    assert deployment['triggers'] == {'redeployment': '${md5(local.chalice_api_swagger)}'}
    assert tf['output']['EndpointURL']['value'] == '${aws_api_gateway_stage.api.invoke_url}'
    assert tf['resource']['aws_api_gateway_rest_api']['rest_api']['name'] == '${local.prefix}'


def test_websocket_stage_is_throttled_logged_and_redeployed(wired):
    tf, _ = wired
    stage = tf['resource']['aws_apigatewayv2_stage']['websocket_api_stage']
    assert stage['default_route_settings']['throttling_rate_limit'] == '${var.api_throttle_rate_limit}'
    assert stage['access_log_settings']['destination_arn'] == '${aws_cloudwatch_log_group.websocket_access.arn}'
    trigger = tf['resource']['aws_apigatewayv2_deployment']['websocket_api_deployment']['triggers']['redeployment']
    assert 'aws_apigatewayv2_route.websocket_connect_route' in trigger


def test_errors_api_gateway_answers_itself_have_the_contract_shape(wired):
    tf, _ = wired
    responses = json.loads(tf['locals']['chalice_api_swagger'])['x-amazon-apigateway-gateway-responses']
    assert responses['MISSING_AUTHENTICATION_TOKEN']['statusCode'] == '404'
    assert responses['UNAUTHORIZED']['statusCode'] == '401'
    assert responses['THROTTLED']['statusCode'] == '429'
    for kind, response in responses.items():
        template = response['responseTemplates']['application/json']
        # What API Gateway sends after substituting its variables: the contract's error body.
        body = json.loads(template.replace('$context.error.messageString', '"Unauthorized"')
                          .replace('$context.requestId', 'req-1'))
        assert set(body['error']) == {'code', 'message', 'details'}, kind
        assert response['responseParameters']['gatewayresponse.header.Access-Control-Allow-Origin'] == \
            "'https://dev.chatmrpt.example.org'"
    codes = {kind: json.loads(r['responseTemplates']['application/json'].replace('$context.error.messageString', '""')
                              .replace('$context.requestId', ''))['error']['code'] for kind, r in responses.items()}
    assert codes['MISSING_AUTHENTICATION_TOKEN'] == 'not_found' and codes['DEFAULT_5XX'] == 'internal'


def test_sizes_over_the_lambda_limit_fail(packager, capsys):
    mb = packager.MB
    packager.check_sizes({'chatmrpt-dev': (60 * mb, 249 * mb)})
    assert 'code bucket' in capsys.readouterr().out
    with pytest.raises(packager.PackageError, match='chatmrpt-dev-worker'):
        packager.check_sizes({'chatmrpt-dev': (40 * mb, 100 * mb), 'chatmrpt-dev-worker': (90 * mb, 251 * mb)})


def test_layers_count_towards_a_functions_size(packager, tmp_path):
    for name, size in (('api.zip', 1000), ('worker.zip', 3000), ('layer.zip', 5000)):
        with zipfile.ZipFile(tmp_path / name, 'w') as archive:
            archive.writestr('f', b'x' * size)
    tf = chalice_template()
    tf['resource']['aws_lambda_layer_version'] = {
        'managed-layer': {'layer_name': 'deps', 'filename': '${path.module}/layer.zip'}}
    tf['resource']['aws_lambda_function']['api_handler']['layers'] = ['${aws_lambda_layer_version.managed-layer.arn}']
    packager.wire(tf, 'dev', 'api', 'eu-west-1')
    sizes = packager.measure(tmp_path, tf)
    assert sizes['chatmrpt-dev'][1] == 6000 and sizes['layer deps'][1] == 5000
    assert sizes['chatmrpt-dev-on_upload'][1] == 3000


def test_the_packager_failing_to_install_dependencies_fails_the_build(packager, monkeypatch, tmp_path):
    def fake_run(*args, **kwargs):
        return subprocess.CompletedProcess(args, 0, stdout='Creating deployment package.\n',
                                           stderr='Could not install dependencies:\nshapely==9.9\n')
    monkeypatch.setattr(packager.subprocess, 'run', fake_run)
    with pytest.raises(packager.PackageError, match='Could not install dependencies'):
        packager.run_chalice('dev', tmp_path, 'eu-west-1', {})


def test_more_than_one_frontend_origin_is_refused(packager):
    """API Gateway answers CORS with one origin: a second would be silently left out."""
    tf = chalice_template()
    for fn in tf['resource']['aws_lambda_function'].values():
        fn['environment']['variables']['ALLOWED_ORIGINS'] = 'https://a.example.org,https://b.example.org'
    with pytest.raises(packager.PackageError, match='one frontend origin per stage, not 2'):
        packager.wire(tf, 'dev', 'api', 'eu-west-1')


def test_unknown_stage_is_refused(packager):
    with pytest.raises(packager.PackageError, match="'qa'"):
        packager.stage_environment({'stages': {'dev': {}}}, 'qa')


@pytest.fixture(scope='module')
def packages():
    return load_script('packages')


@pytest.mark.parametrize('member, owner, expected', [
    ('app.py', None, ('api.zip', 'worker.zip')),
    ('chalicelib/web.py', None, ('api.zip', 'worker.zip')),
    ('pydantic/main.py', 'pydantic', ('api.zip', 'worker.zip')),
    ('jwt/api_jwt.py', 'pyjwt', ('api.zip',)),                       # tokens are verified by the API alone
    ('numpy/_core/multiarray.py', 'numpy', ('worker.zip',)),
    ('shapely.libs/libgeos-3ef06f11.so.3.13.1', 'shapely', ('worker.zip',)),
    ('pandas/tests/frame/test_api.py', 'pandas', ()),                # no test folder anywhere
    ('numpy/_core/tests/data/x.csv', 'numpy', ()),
    ('jinja2/tests.py', 'jinja2', ('worker.zip',)),                  # a module named tests is not a test folder
    ('plotly/labextension/static/remoteEntry.js', 'plotly', ()),     # Jupyter's
    ('plotly-6.3.1.data/data/share/jupyter/labextensions/x.js', 'plotly', ()),
    ('plotly/package_data/plotly.min.js', 'plotly', ('worker.zip',)),  # embedded in offline maps
])
def test_each_file_goes_to_the_packages_whose_functions_run_it(packages, member, owner, expected):
    assert packages.destinations(member, owner) == expected


def fake_package(folder, name, files):
    with zipfile.ZipFile(folder / name, 'w') as archive:
        for path, text in files.items():
            archive.writestr(path, text)


@pytest.mark.parametrize('files, refusal', [
    ({'app.py': 'app = print\n'}, 'handlers not found: app.on_upload'),
    ({'app.py': 'app = print\non_upload = print\n', 'numpy/__init__.py': ''}, 'holds numpy'),
    ({'app.py': 'import pydantic\napp = on_upload = print\n'}, "No module named 'pydantic'"),   # not the venv's
])
def test_the_check_refuses_a_package_that_cannot_serve_its_functions_alone(packages, tmp_path, files, refusal):
    fake_package(tmp_path, 'api.zip', files)
    with pytest.raises(packages.PackageError, match=refusal):
        packages.check(tmp_path, {'api.zip': {'app.app', 'app.on_upload'}}, {})


# --- the real package of the app as it is now (infra/package.py --stage dev) ---

def test_package_is_within_lambda_limits_and_reports_sizes(package, packager):
    out, stdout = package
    assert 'zipped MB' in stdout
    tf = json.loads((out / 'chalice.tf.json').read_text())
    sizes = packager.measure(out, tf)
    assert sizes, 'no function in the package'
    assert all(unzipped <= packager.UNZIPPED_LIMIT for _, unzipped in sizes.values())
    for name in sizes:
        assert name in stdout


def test_package_is_one_root_module_with_current_pins(package):
    out, _ = package
    tf = json.loads((out / 'chalice.tf.json').read_text())
    assert 'terraform' not in tf
    versions = (out / 'versions.tf').read_text()
    assert 'required_version = ">= 1.10"' in versions and 'version = ">= 5.0"' in versions
    assert (out / 'modules' / 'bucket' / 'main.tf').exists()
    assert {p.name for p in INFRA.glob('*.tf')} <= {p.name for p in out.glob('*.tf')}
    tfvars = json.loads((out / 'chalice.auto.tfvars.json').read_text())
    assert tfvars['stage'] == 'dev'
    assert tfvars['frontend_origins'] == ['https://dev.chatmrpt.example.org']
    assert sorted(tfvars['lambda_function_names']) == sorted(
        f['function_name'] for f in tf['resource']['aws_lambda_function'].values())


def test_packaged_app_is_wired_to_infra(package):
    out, _ = package
    tf = json.loads((out / 'chalice.tf.json').read_text())
    text = json.dumps(tf)
    assert 'filename' not in json.dumps(tf['resource']['aws_lambda_function'])
    assert '"bucket": "chatmrpt-' not in text, 'a bucket is still named literally instead of referenced'
    assert ':sqs:' not in text, 'an SQS queue is still named literally instead of referenced'
    # Each dead-letter queue has a consumer: a job or a turn whose worker died still ends FAILED.
    assert sorted(m['event_source_arn'] for m in tf['resource']['aws_lambda_event_source_mapping'].values()) \
        == [f'${{aws_sqs_queue.{name}.arn}}' for name in ('analysis', 'analysis_dlq', 'chat', 'chat_dlq')]
    swagger = json.loads(tf['locals']['chalice_api_swagger'])
    for scheme in swagger.get('securityDefinitions', {}).values():
        assert scheme['x-amazon-apigateway-authorizer']['providerARNs'] == ['${aws_cognito_user_pool.users.arn}']
    assert 'x-amazon-apigateway-gateway-responses' in swagger
    # Only uploads invoke the upload function: nothing the app writes is under uploads/.
    [notification] = tf['resource']['aws_s3_bucket_notification'].values()
    assert [(t['filter_prefix'], t['events']) for t in notification['lambda_function']] == \
        [('uploads/', ['s3:ObjectCreated:*'])]


def test_package_wires_the_three_cognito_triggers_app_py_declares(package):
    out, _ = package
    tf = json.loads((out / 'chalice.tf.json').read_text())
    tfvars = json.loads((out / 'chalice.auto.tfvars.json').read_text())
    assert tfvars['cognito_triggers'] == {'pre_sign_up': 'chatmrpt-dev-pre_signup',
                                          'post_confirmation': 'chatmrpt-dev-post_confirmation',
                                          'pre_authentication': 'chatmrpt-dev-pre_authentication'}
    functions = tf['resource']['aws_lambda_function']
    permissions = tf['resource']['aws_lambda_permission']
    for name in ('pre_signup', 'post_confirmation', 'pre_authentication'):
        assert functions[name]['handler'] == f'app.{name}'
        assert permissions[f'{name}-cognito']['principal'] == 'cognito-idp.amazonaws.com'


TF_PLUGIN_MIRROR = '/opt/tf-plugins'     # where this project's machines keep the AWS provider


@pytest.fixture(scope='module')
def terraform(package, tmp_path_factory):
    """A copy of the package, initialised from a local provider mirror: (run, directory).

    Skips only when Terraform (new enough for the configuration) or the mirror is
    absent; a failing init is a failure.
    """
    binary = shutil.which('terraform')
    if binary is None:
        pytest.skip('terraform is not installed; the parse and checkov checks still ran')
    deploy = load_script('deploy')
    found = deploy.terraform_version(binary)
    if found[:2] < deploy.MIN_TERRAFORM:
        pytest.skip(f'terraform {found} is older than the configuration requires ({deploy.MIN_TERRAFORM})')
    mirror = pathlib.Path(os.environ.get('TF_PLUGIN_MIRROR') or TF_PLUGIN_MIRROR)
    if not (mirror / 'registry.terraform.io' / 'hashicorp' / 'aws').is_dir():
        pytest.skip(f'no AWS provider in a local mirror at {mirror}: set TF_PLUGIN_MIRROR')
    directory = tmp_path_factory.mktemp('terraform') / 'build'
    out, _ = package
    shutil.copytree(out, directory, ignore=shutil.ignore_patterns('.terraform*'))
    cli_config = directory.parent / 'terraformrc'
    cli_config.write_text(f'provider_installation {{\n  filesystem_mirror {{\n    path = "{mirror}"\n  }}\n}}\n')
    env = {**os.environ, 'TF_CLI_CONFIG_FILE': str(cli_config), 'TF_IN_AUTOMATION': '1'}

    def run(*args):
        proc = subprocess.run([binary, f'-chdir={directory}', *args, '-no-color'],
                              capture_output=True, text=True, env=env)
        assert proc.returncode == 0, f'terraform {args[0]} failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}'
        return proc.stdout

    run('init', '-backend=false', '-input=false')
    return run, directory


def test_package_is_valid_terraform(terraform):
    run, _ = terraform
    assert 'The configuration is valid' in run('validate')


def test_package_plans_offline_against_a_mocked_aws(terraform):
    """A whole plan with `mock_provider "aws"`: references, types and the provider's own validation."""
    run, directory = terraform
    (directory / 'tests').mkdir()
    plan = ROOT / 'tests' / 'infra' / 'offline_plan.tftest.hcl'
    shutil.copy2(plan, directory / 'tests')
    runs = plan.read_text().count('\nrun "')
    assert f'{runs} passed, 0 failed' in run('test')


def test_the_api_functions_run_a_package_without_the_analysis_libraries_and_the_workers_one_within_budget(
        package, packager, packages):
    out, stdout = package
    tf = json.loads((out / 'chalice.tf.json').read_text())
    by_package = json.loads((out / 'packages.json').read_text())
    names = {name: fn['function_name'] for name, fn in tf['resource']['aws_lambda_function'].items()}
    assert by_package['lambda/api.zip'] == sorted(names[n] for n in packager.API_FUNCTIONS)
    assert by_package['lambda/worker.zip'] == sorted(set(names.values()) - set(by_package['lambda/api.zip']))
    assert not (out / 'deployment.zip').exists()
    for name, budget in packages.BUDGETS.items():
        with zipfile.ZipFile(out / name) as archive:
            members = archive.namelist()
            assert sum(info.file_size for info in archive.infolist()) <= budget, name
        assert not [m for m in members if packages.TEST_FOLDER.search(m)], name
        tops = {m.split('/')[0] for m in members}
        assert ('numpy' in tops) == (name == 'worker.zip') and ('jwt' in tops) == (name == 'api.zip'), name
    assert 'api.zip      serves its 7 handler(s) alone, without numpy, pandas, plotly, pyproj, shapely' in stdout
    assert 'worker.zip   serves its 9 handler(s) alone and runs an analysis' in stdout


def test_the_routes_app_py_marks_as_computing_are_served_by_the_workers_package(package, packager):
    out, _ = package
    tf = json.loads((out / 'chalice.tf.json').read_text())
    swagger = json.loads(tf['locals']['chalice_api_swagger'])
    compute = '${aws_lambda_function.api_compute.invoke_arn}'
    computing = {(path, method.upper()) for path, ops in swagger['paths'].items() for method, op in ops.items()
                 if op.get('x-amazon-apigateway-integration', {}).get('uri') == compute}
    assert computing == set(packager.computing_routes()) == {
        ('/datasets/{dataset_id}/tpr', 'POST'), ('/analyses', 'POST'), ('/analyses/{analysis_id}/itn-plans', 'POST')}
