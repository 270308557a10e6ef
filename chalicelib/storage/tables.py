"""The DynamoDB tables of the architecture, in the shape `create_table` takes.

Terraform owns the tables in AWS (infra/); the local stack and the tests create
them from this one description, and an infra test checks the two agree.
"""

TTL_ATTRIBUTE = 'expires_at'


def _key(*attrs):
    return [{'AttributeName': a, 'KeyType': t} for a, t in zip(attrs, ('HASH', 'RANGE'))]


def _attrs(*names):
    return [{'AttributeName': n, 'AttributeType': 'S'} for n in names]


def _gsi(name, *keys, projection='ALL'):
    return {'IndexName': name, 'KeySchema': _key(*keys), 'Projection': {'ProjectionType': projection}}


def table_definitions(settings):
    """`(create_table kwargs, ttl attribute or None)` for every table, by role."""
    s = settings
    return {
        'users': ({
            'TableName': s.users_table,
            'KeySchema': _key('user_id'),
            'AttributeDefinitions': _attrs('user_id', 'email'),
            'GlobalSecondaryIndexes': [_gsi('email-index', 'email')],
        }, None),
        'datasets': ({
            'TableName': s.datasets_table,
            'KeySchema': _key('user_id', 'dataset_id'),
            'AttributeDefinitions': _attrs('user_id', 'dataset_id'),
        }, None),
        'analyses': ({
            'TableName': s.analyses_table,
            'KeySchema': _key('user_id', 'analysis_id'),
            'AttributeDefinitions': _attrs('user_id', 'analysis_id', 'status', 'updated_at'),
            # Operations: find RUNNING or FAILED analyses across users.
            'GlobalSecondaryIndexes': [_gsi('status-index', 'status', 'updated_at')],
        }, None),
        'sessions': ({
            'TableName': s.sessions_table,
            'KeySchema': _key('user_id', 'session_id'),
            'AttributeDefinitions': _attrs('user_id', 'session_id', 'conversation_id'),
            # Only conversation headers carry conversation_id: lists them without their messages.
            'GlobalSecondaryIndexes': [_gsi('conversation-index', 'user_id', 'conversation_id')],
        }, TTL_ATTRIBUTE),
        'connections': ({
            'TableName': s.connections_table,
            'KeySchema': _key('user_id', 'connection_id'),
            'AttributeDefinitions': _attrs('user_id', 'connection_id'),
            # WebSocket messages carry only the connection id; this finds its owner.
            'GlobalSecondaryIndexes': [_gsi('connection-index', 'connection_id', projection='KEYS_ONLY')],
        }, TTL_ATTRIBUTE),
        'audit': ({
            'TableName': s.audit_table,
            'KeySchema': _key('user_id', 'event_key'),
            'AttributeDefinitions': _attrs('user_id', 'event_key', 'organization'),
            # Admins read their organization's log.
            'GlobalSecondaryIndexes': [_gsi('organization-index', 'organization', 'event_key')],
        }, None),
    }


def create_tables(dynamodb, settings):
    """Create every table (on-demand) with its TTL; used by the local stack and tests."""
    for definition, ttl in table_definitions(settings).values():
        dynamodb.create_table(BillingMode='PAY_PER_REQUEST', **definition)
        if ttl:
            dynamodb.update_time_to_live(
                TableName=definition['TableName'],
                TimeToLiveSpecification={'Enabled': True, 'AttributeName': ttl})
