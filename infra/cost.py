"""A monthly AWS cost estimate for a stage, from the resources it actually declares.

Reads the resource list (every `resource` block of infra/*.tf and the functions app.py declares,
with their memory from .chalice/config.json), applies a usage model (USAGE: 100 programme
officers) and eu-west-1 on-demand prices (PRICES, USD, checked 2025), and prints a Markdown table
(the README's, which tests/infra/test_cost.py keeps equal to this output:
`.venv/bin/python infra/cost.py`).
A resource type with no price rule is an error, so a new kind of resource must be priced.
"""
import argparse
import json
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# What 100 officers do in a month (a working month: 22 days).
USAGE = {
    'officers': 100,
    'api_requests': 100 * 22 * 150,          # page loads, polls, rankings pages
    'analyses': 100 * 20,
    'analysis_stage_seconds': 8,             # per stage, at the stage function's memory
    'chat_turns': 100 * 22 * 10,
    'chat_turn_seconds': 3,
    'uploads': 100 * 4,
    'upload_seconds': 20,
    'websocket_minutes': 100 * 22 * 60,
    'websocket_messages': 100 * 20 * 30 + 100 * 22 * 10 * 10,
    'stored_gb': 100 * 0.5,                  # uploads, snapshots and artifacts
    'log_gb': 5,
    'frontend_gb_out': 100 * 22 * 0.003,     # the web app's gzip payload, mostly cached
}
# eu-west-1 on-demand prices (USD).
PRICES = {
    'lambda_gb_second': 0.0000166667, 'lambda_request': 0.20 / 1e6,
    'rest_request': 3.50 / 1e6, 'ws_message': 1.00 / 1e6, 'ws_minute': 0.25 / 1e6,
    'sfn_transition': 0.025 / 1000, 'sqs_request': 0.40 / 1e6,
    'dynamodb_write': 1.25 / 1e6, 'dynamodb_read': 0.25 / 1e6, 'dynamodb_gb': 0.25,
    's3_gb': 0.023, 's3_request': 0.005 / 1000,
    'logs_gb_ingested': 0.57, 'logs_gb_stored': 0.03,
    'alarm': 0.10, 'dashboard': 3.00, 'kms_key': 1.00, 'kms_request': 0.03 / 10000,
    'cloudfront_gb': 0.085, 'xray_trace': 5.00 / 1e6,
}
# Resource types that cost nothing by themselves (their use is priced under another line).
FREE = frozenset({
    'aws_api_gateway_stage', 'aws_api_gateway_method_settings', 'aws_api_gateway_account', 'aws_iam_role',
    'aws_iam_role_policy', 'aws_iam_role_policy_attachment', 'aws_iam_openid_connect_provider',
    'aws_cloudwatch_log_group', 'aws_sns_topic', 'aws_sns_topic_subscription', 'aws_kms_alias',
    'aws_sqs_queue_redrive_allow_policy', 'aws_cognito_user_pool_client', 'aws_cognito_identity_pool',
    'aws_cognito_identity_pool_roles_attachment', 'aws_cognito_identity_pool_provider_principal_tag',
    'aws_cloudfront_origin_access_control', 'aws_cloudfront_response_headers_policy', 'aws_s3_bucket_versioning',
    'aws_s3_bucket_public_access_block', 'aws_s3_bucket_server_side_encryption_configuration',
    'aws_s3_bucket_lifecycle_configuration', 'aws_s3_bucket_cors_configuration', 'aws_s3_bucket_policy',
    'aws_s3_bucket_ownership_controls', 'aws_cognito_user_pool',   # under 10,000 monthly active users
})
PRICED = frozenset({'aws_sfn_state_machine', 'aws_dynamodb_table', 'aws_sqs_queue', 'aws_s3_bucket',
                    'aws_cloudwatch_metric_alarm', 'aws_cloudwatch_dashboard', 'aws_kms_key',
                    'aws_cloudfront_distribution'})


class Unpriced(Exception):
    """A declared resource type has no price rule."""


def resource_types(infra=ROOT / 'infra'):
    """Every resource type infra/*.tf (and its modules) declares."""
    return {kind for path in infra.rglob('*.tf')
            for kind in re.findall(r'^resource\s+"([a-z0-9_]+)"', path.read_text(), re.MULTILINE)}


def functions():
    """{function name: memory MB} of every Lambda function the app declares (Chalice's naming)."""
    from app import app
    config = json.loads((ROOT / '.chalice' / 'config.json').read_text())
    websocket = [f'websocket_{route.strip("$").replace("default", "message")}' for route in app.websocket_handlers]
    names = ['api_handler'] + [f.name for f in app.pure_lambda_functions] + [s.name for s in app.event_sources] + websocket
    memory = {name: config['lambda_functions'].get(name, {}).get('lambda_memory_size', config['lambda_memory_size'])
              for name in names}
    if any(operation.computes for operation in app.operations.values()):   # infra/package.py adds it
        from infra.package import COMPUTE_FUNCTION, COMPUTE_MEMORY_MB
        memory[COMPUTE_FUNCTION] = COMPUTE_MEMORY_MB
    return memory


def estimate(types, memory, usage=USAGE, prices=PRICES):
    """[(line, USD a month)] for the declared resources under `usage`."""
    unpriced = sorted(types - FREE - PRICED)
    if unpriced:
        raise Unpriced(f'no price rule for {", ".join(unpriced)}: add one to infra/cost.py')
    from chalicelib.analyses.stages import STAGES
    u, p = usage, prices
    stages = len(STAGES)
    gb_seconds = (u['analyses'] * stages * u['analysis_stage_seconds'] * memory['analysis_stage']
                  + u['chat_turns'] * u['chat_turn_seconds'] * memory.get('on_chat_turn', 512)
                  + u['uploads'] * u['upload_seconds'] * memory.get('on_upload', 512)
                  + u['api_requests'] * 0.1 * memory['api_handler']) / 1024
    invocations = u['api_requests'] + u['analyses'] * stages + u['chat_turns'] + u['uploads'] + 30 * 24 * 4
    alarms = 1 + 2 * len(memory) + 3 + 3     # API 5xx; errors and throttles per function; 3 DLQs; workflow
    writes = u['analyses'] * 40 + u['chat_turns'] * 6 + u['uploads'] * 10 + u['api_requests'] * 0.1
    reads = u['api_requests'] * 2 + u['analyses'] * 60 + u['chat_turns'] * 20
    lines = [
        ('Lambda (%d functions)' % len(memory), gb_seconds * p['lambda_gb_second'] + invocations * p['lambda_request']),
        ('API Gateway REST and WebSocket', u['api_requests'] * p['rest_request'] + u['websocket_messages'] * p['ws_message']
         + u['websocket_minutes'] * p['ws_minute']),
        ('Step Functions (analysis state machine)', u['analyses'] * (stages + 2) * p['sfn_transition'])
        if 'aws_sfn_state_machine' in types else None,
        ('SQS (jobs, chat turns, polling)', (u['chat_turns'] * 3 + 6 * 3 * 60 * 24 * 30) * p['sqs_request']),
        ('DynamoDB on demand (6 tables)', writes * p['dynamodb_write'] + reads * p['dynamodb_read'] + 1 * p['dynamodb_gb']),
        ('S3 (3 buckets)', u['stored_gb'] * p['s3_gb'] + (u['analyses'] * 60 + u['api_requests'] * 0.2) * p['s3_request']),
        ('CloudWatch Logs', u['log_gb'] * (p['logs_gb_ingested'] + p['logs_gb_stored'])),
        ('CloudWatch alarms (%d) and dashboard' % alarms, alarms * p['alarm'] + p['dashboard']),
        ('KMS key and requests', p['kms_key'] + (writes + reads) * 0.05 * p['kms_request']),
        ('CloudFront', u['frontend_gb_out'] * p['cloudfront_gb']),
        ('X-Ray traces', max(0, invocations - 100_000) * p['xray_trace']),
    ]
    return [line for line in lines if line is not None]


def table(lines):
    rows = ['| item | USD a month |', '|---|---:|'] + [f'| {name} | {cost:.2f} |' for name, cost in lines]
    rows.append(f'| **total** | **{sum(cost for _, cost in lines):.2f}** |')
    return '\n'.join(rows)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.parse_args(argv)
    try:
        print(table(estimate(resource_types(), functions())))
    except Unpriced as error:
        print(f'cost: {error}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
