"""Security and consistency properties of infra/*.tf, read from the parsed configuration."""
import pytest

from chalicelib.config import settings
from chalicelib.storage.objects import UPLOAD_PREFIX, USER_PREFIX
from chalicelib.storage.tables import TTL_ATTRIBUTE, table_definitions
from chalicelib.storage.conversations import TURN_LEASE_SECONDS
from chalicelib.storage.queue import (
    ANALYSIS_VISIBILITY_SECONDS, CHAT_VISIBILITY_SECONDS, CHAT_WORKER_SECONDS, DEAD_LETTER_VISIBILITY_SECONDS,
    MAX_RECEIVES)
from tests.infra.hcl import INFRA, as_list

STAGES = ('dev', 'prod')
PREFIX = '${local.prefix}'


def resolve(name, stage, key=None):
    """A name as Terraform builds it for `stage` (prefix and for_each key substituted)."""
    name = name.replace(PREFIX, f'chatmrpt-{stage}')
    return name.replace('${each.key}', key) if key else name


def statements(document):
    return as_list(document.get('statement'))


def dynamic(body, name):
    """The `dynamic "name"` block of a resource."""
    return next(block[name] for block in as_list(body['dynamic']) if name in block)


def test_every_tf_file_parses(infra):
    names = set(infra.files)
    assert {'storage.tf', 'auth.tf', 'queues.tf', 'modules/bucket/main.tf'} <= names
    assert len(names) == len(list(INFRA.rglob('*.tf')))
    assert all(infra.files[name] for name in names), 'an empty .tf file'


@pytest.mark.parametrize('stage', STAGES)
def test_tables_match_what_the_app_creates_and_reads(infra, chalice_config, stage):
    table = infra.blocks('resource', 'aws_dynamodb_table')['app']
    declared = infra.locals()['tables']
    env = chalice_config['stages'][stage]['environment_variables']
    expected = table_definitions(settings({'STAGE': stage}))
    assert set(declared) == set(expected)
    for role, (definition, ttl) in expected.items():
        spec = declared[role]
        name = resolve(table['name'], stage, role)
        assert name == definition['TableName'] == env[f'{role.upper()}_TABLE']
        keys = [spec['hash_key']] + ([spec['range_key']] if spec['range_key'] else [])
        assert keys == [k['AttributeName'] for k in definition['KeySchema']], role
        assert spec['attributes'] == [a['AttributeName'] for a in definition['AttributeDefinitions']], role
        indexes = {
            gsi['IndexName']: ([k['AttributeName'] for k in gsi['KeySchema']], gsi['Projection']['ProjectionType'])
            for gsi in definition.get('GlobalSecondaryIndexes', [])}
        assert {
            name: ([i['hash_key']] + ([i['range_key']] if i['range_key'] else []), i['projection'])
            for name, i in (spec['indexes'] or {}).items()} == indexes, role
        assert spec['ttl'] == ttl, role


def test_ttl_attribute_is_the_one_the_code_writes(infra):
    declared = infra.locals()['tables']
    with_ttl = {role for role, spec in declared.items() if spec['ttl']}
    assert with_ttl == {'sessions', 'connections'}
    assert {declared[role]['ttl'] for role in with_ttl} == {TTL_ATTRIBUTE}
    ttl = dynamic(infra.blocks('resource', 'aws_dynamodb_table')['app'], 'ttl')
    assert ttl['content'] == {'attribute_name': '${ttl.value}', 'enabled': True}


def test_tables_are_on_demand_recoverable_and_encrypted(infra):
    table = infra.blocks('resource', 'aws_dynamodb_table')['app']
    assert table['billing_mode'] == 'PAY_PER_REQUEST'
    assert table['point_in_time_recovery'] == {'enabled': True}
    assert table['server_side_encryption'] == {'enabled': True, 'kms_key_arn': '${aws_kms_key.data.arn}'}
    key = infra.blocks('resource', 'aws_kms_key')['data']
    assert key['enable_key_rotation'] is True


@pytest.mark.parametrize('stage', STAGES)
def test_three_buckets_named_as_the_app_reads_them(infra, chalice_config, stage):
    buckets = {name: module for name, module in infra.blocks('module').items()
               if module['source'] == './modules/bucket'}
    assert set(buckets) == {'data_bucket', 'code_bucket', 'frontend_bucket'}
    assert resolve(buckets['data_bucket']['name'], stage) == \
        chalice_config['stages'][stage]['environment_variables']['DATA_BUCKET'] == settings({'STAGE': stage}).data_bucket
    assert buckets['data_bucket']['kms_key_arn'] == buckets['code_bucket']['kms_key_arn'] == '${aws_kms_key.data.arn}'
    # Raw uploads (and nothing the app reads again) to infrequent access after 30 days;
    # the browser's origin may POST uploads.
    assert buckets['data_bucket']['transition_to_ia_days'] == 30
    assert buckets['data_bucket']['transition_prefix'] == UPLOAD_PREFIX
    assert buckets['data_bucket']['cors_origins'] == '${local.frontend_origins}'


def test_every_bucket_is_private_versioned_encrypted_and_tls_only(infra):
    def one(kind):
        return next(iter(infra.blocks('resource', kind, under='modules/bucket').values()))

    assert one('aws_s3_bucket_versioning')['versioning_configuration'] == {'status': 'Enabled'}
    block = one('aws_s3_bucket_public_access_block')
    assert all(block[flag] is True for flag in (
        'block_public_acls', 'block_public_policy', 'ignore_public_acls', 'restrict_public_buckets'))
    sse = one('aws_s3_bucket_server_side_encryption_configuration')['rule']['apply_server_side_encryption_by_default']
    assert 'aws:kms' in sse['sse_algorithm'] and 'AES256' in sse['sse_algorithm']
    policy = next(iter(infra.blocks('data', 'aws_iam_policy_document', under='modules/bucket').values()))
    deny = [s for s in statements(policy) if s.get('effect') == 'Deny']
    assert len(deny) == 1
    condition = deny[0]['condition']
    assert (condition['variable'], condition['values']) == ('aws:SecureTransport', 'false')
    assert set(deny[0]['resources']) == {'${aws_s3_bucket.this.arn}', '${aws_s3_bucket.this.arn}/*'}
    assert deny[0]['actions'] == 's3:*'
    lifecycle = one('aws_s3_bucket_lifecycle_configuration')
    rule = lifecycle['rule']
    assert rule['status'] == 'Enabled' and rule['filter'] == {}
    assert rule['noncurrent_version_expiration'] == {'noncurrent_days': '${var.noncurrent_expiration_days}'}
    assert rule['abort_incomplete_multipart_upload'] == {'days_after_initiation': 7}
    transition = dynamic(lifecycle, 'rule')['content']
    assert transition['filter'] == {'prefix': '${var.transition_prefix}'}
    assert transition['transition'] == {'days': '${rule.value}', 'storage_class': 'STANDARD_IA'}
    cors = one('aws_s3_bucket_cors_configuration')['cors_rule']
    assert cors['allowed_origins'] == '${var.cors_origins}'
    assert 'PUT' not in cors['allowed_methods'] and 'DELETE' not in cors['allowed_methods']


@pytest.mark.parametrize('stage', STAGES)
def test_analysis_queue_retries_then_dead_letters(infra, chalice_config, stage):
    queues = infra.blocks('resource', 'aws_sqs_queue')
    env = chalice_config['stages'][stage]['environment_variables']
    assert resolve(queues['analysis']['name'], stage) == env['ANALYSIS_QUEUE']
    assert resolve(queues['analysis_dlq']['name'], stage) == env['ANALYSIS_DLQ']
    queue_locals = infra.locals()
    assert queue_locals['max_receives'] == MAX_RECEIVES == 3
    assert queue_locals['analysis_visibility_seconds'] == ANALYSIS_VISIBILITY_SECONDS
    assert queue_locals['dead_letter_visibility_seconds'] == DEAD_LETTER_VISIBILITY_SECONDS
    assert queues['analysis_dlq']['visibility_timeout_seconds'] == '${local.dead_letter_visibility_seconds}'
    assert 'aws_sqs_queue.analysis_dlq.arn' in queues['analysis']['redrive_policy']
    assert 'local.max_receives' in queues['analysis']['redrive_policy']
    assert all(q['kms_master_key_id'] == '${aws_kms_key.data.arn}' for q in queues.values())


@pytest.mark.parametrize('stage', STAGES)
def test_chat_queue_is_fifo_retries_then_dead_letters(infra, chalice_config, stage):
    """A conversation's turns in order (one FIFO group each); a turn whose worker died on every
    receive reaches the dead-letter consumer, which ends it FAILED."""
    queues = infra.blocks('resource', 'aws_sqs_queue')
    env = chalice_config['stages'][stage]['environment_variables']
    names = settings({'STAGE': stage})
    assert resolve(queues['chat']['name'], stage) == env['CHAT_QUEUE'] == names.chat_queue
    assert resolve(queues['chat_dlq']['name'], stage) == env['CHAT_DLQ'] == names.chat_dlq
    assert queues['chat']['fifo_queue'] is True and queues['chat_dlq']['fifo_queue'] is True
    assert queues['chat']['content_based_deduplication'] is False     # the turn id deduplicates
    assert 'aws_sqs_queue.chat_dlq.arn' in queues['chat']['redrive_policy']
    assert 'local.max_receives' in queues['chat']['redrive_policy']
    assert queues['chat']['visibility_timeout_seconds'] == '${local.chat_visibility_seconds}'
    assert queues['chat_dlq']['visibility_timeout_seconds'] == '${local.dead_letter_visibility_seconds}'
    assert infra.locals()['chat_visibility_seconds'] == CHAT_VISIBILITY_SECONDS


def test_a_chat_turn_outlives_no_lease_and_no_visibility_timeout(chalice_config):
    """The worker may run CHAT_WORKER_SECONDS; its lease lasts as long, and SQS hands the turn out
    again only after that, so a live worker is never doubled and a dead one's turn is taken over."""
    assert chalice_config['lambda_functions']['on_chat_turn']['lambda_timeout'] == CHAT_WORKER_SECONDS
    assert TURN_LEASE_SECONDS >= CHAT_WORKER_SECONDS < CHAT_VISIBILITY_SECONDS
    assert chalice_config['lambda_timeout'] <= DEAD_LETTER_VISIBILITY_SECONDS   # the dead-letter consumer


def test_the_app_may_call_only_the_configured_model_and_only_with_bedrock(infra):
    """No Bedrock permission for the rules provider; with bedrock, InvokeModel on the one model (and
    the foundation model its inference profile routes to), ApplyGuardrail on the one guardrail."""
    lambda_policy = infra.blocks('data', 'aws_iam_policy_document')['lambda']
    assert not [s for s in statements(lambda_policy) if any(a.startswith('bedrock:') for a in as_list(s['actions']))]
    blocks = {block['statement']['content']['sid']: block['statement'] for block in as_list(lambda_policy['dynamic'])
              if 'sid' in block['statement']['content']}
    model, guardrail = blocks['AssistantModel'], blocks['AssistantGuardrail']
    assert as_list(model['content']['actions']) == ['bedrock:InvokeModel']
    assert 'local.bedrock_model_arns' in model['for_each']
    assert as_list(guardrail['content']['actions']) == ['bedrock:ApplyGuardrail']
    assert 'local.bedrock_guardrail_arns' in guardrail['for_each']
    found = infra.locals()
    arns = found['bedrock_model_arns']
    assert arns.startswith('${var.chat_provider != "bedrock" ? []')
    assert ':foundation-model/${var.bedrock_model_id}' in arns and ':inference-profile/${var.bedrock_model_id}' in arns
    assert found['bedrock_guardrail_arns'].startswith('${var.chat_provider == "bedrock" && var.bedrock_guardrail_id')
    assert ':guardrail/${var.bedrock_guardrail_id}' in found['bedrock_guardrail_arns']


# What the browser's identity pool credentials may do: read, nothing else.
READ_ONLY_ACTIONS = frozenset({'s3:GetObject', 's3:ListBucket', 'kms:Decrypt',
                               'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:BatchGetItem'})
# The tables holding the caller's own items; users, connections and audit stay API-only.
BROWSER_TABLES = ('datasets', 'analyses', 'sessions')
CALLER = '$${aws:PrincipalTag/sub}'          # as the .tf spells it ($$ escapes Terraform's ${)
DATA_BUCKET_ARN = '${module.data_bucket.arn}'


def conditions_of(statement):
    return [(c['test'], c['variable'], as_list(c['values'])) for c in as_list(statement.get('condition'))]


def check_s3_statement(statement):
    """Objects only under the caller's uploads/<caller>/ and users/<caller>/; the bucket itself
    only to list those prefixes."""
    actions = set(as_list(statement['actions']))
    own = [f'{UPLOAD_PREFIX}{CALLER}/', f'{USER_PREFIX}{CALLER}/']
    for resource in as_list(statement['resources']):
        if resource == DATA_BUCKET_ARN:
            assert actions == {'s3:ListBucket'}, statement['sid']
            assert conditions_of(statement) == [('StringLike', 's3:prefix', [f'{p}*' for p in own])], \
                statement['sid']
        else:
            assert resource.startswith(tuple(f'{DATA_BUCKET_ARN}/{p}' for p in own)), (statement['sid'], resource)


def check_dynamodb_statement(statement):
    """Exactly the browser's tables, every key in the request the caller's own."""
    tables = {'${aws_dynamodb_table.app["%s"].arn}' % table for table in BROWSER_TABLES}
    assert set(as_list(statement['resources'])) == tables, statement['sid']
    assert conditions_of(statement) == [('ForAllValues:StringEquals', 'dynamodb:LeadingKeys', [CALLER])], \
        statement['sid']


def check_kms_statement(statement):
    assert as_list(statement['resources']) == ['${aws_kms_key.data.arn}'], statement['sid']
    assert conditions_of(statement) == [('StringEquals', 'kms:ViaService', [
        's3.${var.region}.amazonaws.com', 'dynamodb.${var.region}.amazonaws.com'])], statement['sid']


def test_identity_pool_role_reaches_only_the_callers_own_data(infra):
    pool = infra.blocks('resource', 'aws_cognito_identity_pool')['users']
    assert pool['allow_unauthenticated_identities'] is False
    mapping = infra.blocks('resource', 'aws_cognito_identity_pool_provider_principal_tag')['sub']
    assert mapping['principal_tags'] == {'sub': 'sub'} and mapping['use_defaults'] is False
    trust = infra.blocks('data', 'aws_iam_policy_document')['authenticated_trust']['statement']
    assert set(trust['actions']) == {'sts:AssumeRoleWithWebIdentity', 'sts:TagSession'}
    conditions = {c['variable']: c['values'] for c in as_list(trust['condition'])}
    assert conditions == {'cognito-identity.amazonaws.com:aud': '${aws_cognito_identity_pool.users.id}',
                          'cognito-identity.amazonaws.com:amr': 'authenticated'}
    roles = infra.blocks('resource', 'aws_cognito_identity_pool_roles_attachment')['users']['roles']
    assert set(roles) == {'authenticated'}
    # The one policy on the role is the document checked below.
    role_ref = 'aws_iam_role.authenticated.'
    attached = [body for kind in ('aws_iam_role_policy', 'aws_iam_role_policy_attachment')
                for body in infra.blocks('resource', kind).values() if role_ref in str(body.get('role'))]
    assert [body.get('policy', body.get('policy_arn')) for body in attached] == [
        '${data.aws_iam_policy_document.authenticated.json}']
    checks = {'s3': check_s3_statement, 'dynamodb': check_dynamodb_statement, 'kms': check_kms_statement}
    document = statements(infra.blocks('data', 'aws_iam_policy_document')['authenticated'])
    for statement in document:
        assert statement.get('effect', 'Allow') == 'Allow', statement['sid']
        assert not {'not_actions', 'not_resources'} & set(statement), statement['sid']
        actions = set(as_list(statement['actions']))
        assert actions <= READ_ONLY_ACTIONS, (statement['sid'], actions - READ_ONLY_ACTIONS)
        services = {action.split(':')[0] for action in actions}
        assert len(services) == 1, f'{statement["sid"]}: one service per statement, so its scope is clear'
        checks[services.pop()](statement)
    covered = {action for statement in document for action in as_list(statement['actions'])}
    assert covered == READ_ONLY_ACTIONS, 'the browser reads its own objects, items and their key'


# What a state machine needs to write its execution log; CloudWatch Logs takes no resource for them.
LOG_DELIVERY = frozenset({'logs:CreateLogDelivery', 'logs:GetLogDelivery', 'logs:UpdateLogDelivery',
                          'logs:DeleteLogDelivery', 'logs:ListLogDeliveries', 'logs:PutResourcePolicy',
                          'logs:DescribeResourcePolicies', 'logs:DescribeLogGroups'})


def test_no_policy_grants_a_wildcard_action(infra):
    """Key policies aside (their resource is the key), no Allow has `*` in an action."""
    documents = {**infra.blocks('data', 'aws_iam_policy_document'),
                 **infra.blocks('data', 'aws_iam_policy_document', under='modules/bucket')}
    checked = 0
    for name, document in documents.items():
        if name == 'kms':
            continue
        for statement in statements(document):
            if statement.get('effect', 'Allow') != 'Allow':
                continue
            checked += 1
            assert not [a for a in as_list(statement['actions']) if '*' in a], (name, statement.get('sid'))
            if as_list(statement.get('resources')) == ['*']:
                assert all(a.startswith('xray:') or a in LOG_DELIVERY for a in as_list(statement['actions'])), \
                    (name, statement)
    assert checked > 10


def test_app_role_touches_only_user_prefixes_and_its_own_resources(infra):
    lambda_policy = infra.blocks('data', 'aws_iam_policy_document')['lambda']
    by_sid = {s['sid']: s for s in statements(lambda_policy)}
    prefixes = [f'{UPLOAD_PREFIX}*', f'{USER_PREFIX}*']
    assert as_list(by_sid['UserObjects']['resources']) == [f'${{module.data_bucket.arn}}/{p}' for p in prefixes]
    assert by_sid['ListUserObjects']['condition']['values'] == prefixes
    assert not [a for a in as_list(by_sid['Tables']['actions']) if a in ('dynamodb:Scan', 'dynamodb:DeleteTable')]


def test_app_role_may_consume_every_queue_the_app_handles(infra):
    """The workers read the analysis and chat queues, the dead-letter handlers their DLQs: Lambda's
    mappings need them all."""
    lambda_policy = infra.blocks('data', 'aws_iam_policy_document')['lambda']
    consuming = [s for s in statements(lambda_policy) if 'sqs:ReceiveMessage' in as_list(s['actions'])]
    queues = {arn for s in consuming for arn in as_list(s['resources'])}
    assert queues == {f'${{aws_sqs_queue.{name}.arn}}' for name in ('analysis', 'analysis_dlq', 'chat', 'chat_dlq')}
    assert all({'sqs:DeleteMessage', 'sqs:GetQueueAttributes'} <= set(as_list(s['actions'])) for s in consuming)


def test_user_pool_mfa_passwords_attributes_and_triggers(infra):
    pool = infra.blocks('resource', 'aws_cognito_user_pool')['users']
    variables = infra.blocks('variable')
    assert pool['mfa_configuration'] == '${var.mfa_configuration}'
    assert 'OFF' in variables['mfa_configuration']['validation']['condition']
    totp = dynamic(pool, 'software_token_mfa_configuration')
    assert totp['content'] == {'enabled': True} and 'OFF' in totp['for_each']
    policy = pool['password_policy']
    assert policy['minimum_length'] >= 12
    assert all(policy[k] is True for k in ('require_lowercase', 'require_uppercase', 'require_numbers', 'require_symbols'))
    assert infra.locals()['custom_attributes'] == ['organization', 'role', 'region']
    lambda_config = dynamic(pool, 'lambda_config')
    assert set(lambda_config['content']) == {'pre_sign_up', 'post_confirmation', 'pre_authentication'}
    client = infra.blocks('resource', 'aws_cognito_user_pool_client')['web']
    assert client['generate_secret'] is False
    assert 'custom:role' in as_list(client['read_attributes'])


# What the app's authorisation reads from the ID token (chalicelib/identity.py, pre_signup's checks).
AUTHORISING_ATTRIBUTES = ('email', 'custom:organization', 'custom:role', 'custom:region')


def test_users_cannot_rewrite_what_authorises_them(infra):
    """The web client writes no authorising attribute, so nobody changes their organization after creation.

    A client without write_attributes may write every mutable attribute: the list must be there.
    """
    client = infra.blocks('resource', 'aws_cognito_user_pool_client')['web']
    assert 'write_attributes' in client, 'without write_attributes the client writes every attribute'
    writable = set(as_list(client['write_attributes']))
    assert writable, 'an empty list is read as "not set": name one harmless attribute'
    assert not writable & set(AUTHORISING_ATTRIBUTES), writable & set(AUTHORISING_ATTRIBUTES)
    assert not [a for a in writable if a.startswith('custom:')], 'every custom attribute feeds authorisation'
    # Self sign-up could not set the attributes pre_signup demands: administrators create users.
    pool = infra.blocks('resource', 'aws_cognito_user_pool')['users']
    assert pool['admin_create_user_config'] == {'allow_admin_create_user_only': True}


def test_api_stage_is_throttled_by_variables_and_logged(infra):
    settings_block = infra.blocks('resource', 'aws_api_gateway_method_settings')['all']['settings']
    assert settings_block['throttling_rate_limit'] == '${var.api_throttle_rate_limit}'
    assert settings_block['throttling_burst_limit'] == '${var.api_throttle_burst_limit}'
    assert settings_block['data_trace_enabled'] is False
    variables = infra.blocks('variable')
    assert variables['api_throttle_rate_limit']['default'] > 0
    assert variables['api_throttle_burst_limit']['default'] >= variables['api_throttle_rate_limit']['default']
    stage = infra.blocks('resource', 'aws_api_gateway_stage')['api']
    assert stage['access_log_settings']['destination_arn'] == '${aws_cloudwatch_log_group.api_access.arn}'
    assert 'Authorization' not in infra.locals()['access_log_format']


def test_alarms_cover_api_errors_lambda_errors_throttles_dead_letters_and_workflows(infra):
    alarm = infra.blocks('resource', 'aws_cloudwatch_metric_alarm')['app']
    assert alarm['for_each'] == '${local.alarms}'
    assert alarm['alarm_actions'] == alarm['ok_actions'] == '${aws_sns_topic.alarms.arn}'
    alarms = infra.locals()['alarms']   # a merge() expression: check what it watches
    watched = {
        '5XXError': 'aws_api_gateway_stage.api.stage_name',
        "['Errors', 'Throttles']": 'var.lambda_function_names',
        'ApproximateNumberOfMessagesVisible': 'aws_sqs_queue.analysis_dlq.name',
    }
    for metric, source in watched.items():
        assert metric in alarms and source in alarms, metric
    assert 'local.workflow_alarms' in alarms, 'the state machine and overdue-analyses alarms (infra/stepfunctions.tf)'
    assert 'aws_sqs_queue.events_dlq.name' in alarms and 'aws_sqs_queue.chat_dlq.name' in alarms


def test_every_log_group_has_retention_and_encryption(infra):
    groups = infra.blocks('resource', 'aws_cloudwatch_log_group')
    assert {'lambda', 'api_access', 'websocket_access'} <= set(groups)
    for name, group in groups.items():
        assert group['retention_in_days'] == '${var.log_retention_days}', name
        assert group['kms_key_id'] == '${aws_kms_key.data.arn}', name


def test_frontend_is_served_only_through_cloudfront(infra):
    distribution = infra.blocks('resource', 'aws_cloudfront_distribution')['frontend']
    assert distribution['origin']['origin_access_control_id'] == '${aws_cloudfront_origin_access_control.frontend.id}'
    assert distribution['default_cache_behavior']['viewer_protocol_policy'] == 'redirect-to-https'
    read = infra.blocks('data', 'aws_iam_policy_document')['frontend_read']['statement']
    assert read['principals']['identifiers'] == 'cloudfront.amazonaws.com'
    assert read['condition']['values'] == '${aws_cloudfront_distribution.frontend.arn}'


def test_checkov_skips_in_the_config_carry_reasons():
    lines = (INFRA / 'checkov.yaml').read_text().splitlines()
    skips = [line for line in lines if line.strip().startswith('- CKV')]
    assert skips
    for line in skips:
        reason = line.partition('#')[2].strip()
        assert len(reason) > 20, f'skip without a reason: {line.strip()}'


def test_inline_checkov_skips_carry_reasons():
    for path in INFRA.rglob('*.tf'):
        for line in path.read_text().splitlines():
            if 'checkov:skip=' in line:
                check, _, reason = line.split('checkov:skip=', 1)[1].partition(':')
                assert len(reason.strip()) > 20, f'{path.name}: {check} skipped without a reason'
