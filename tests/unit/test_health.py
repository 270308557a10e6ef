from chalice.test import Client

from app import app


def test_health_needs_no_token_and_reports_version():
    with Client(app) as client:
        response = client.http.get('/health')
    assert response.status_code == 200
    assert response.json_body['status'] == 'ok'
    assert response.json_body['version']


def test_aws_fixture_creates_every_table(aws):
    from chalicelib import aws as clients
    names = clients.client('dynamodb', aws.region).list_tables()['TableNames']
    assert sorted(names) == sorted(aws.tables.values())
