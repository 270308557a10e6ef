"""The records the bridges build, checked without a running stack."""
import urllib.parse

from hypothesis import given, strategies as st

from devstack.events import s3_key_as_sent_by_s3, s3_record, sqs_record

KEY_TEXT = st.text(st.characters(blacklist_categories=('Cs',), blacklist_characters='\x00'),
                   min_size=1, max_size=200)


@given(KEY_TEXT)
def test_any_key_moto_sends_decodes_once_to_the_uploaded_key(key):
    as_moto_sends = urllib.parse.quote_plus(key)
    as_s3_sends = s3_key_as_sent_by_s3(as_moto_sends)
    assert urllib.parse.unquote_plus(as_s3_sends) == key      # what chalice's S3Event.key does
    assert ' ' not in as_s3_sends and '%2F' not in as_s3_sends


def test_s3_record_has_what_s3_sends():
    moto = {'eventVersion': '2.1', 'eventSource': 'aws:s3', 'awsRegion': 'eu-west-1',
            'eventTime': '2026-01-01T00:00:00.000Z', 'eventName': 'ObjectCreated:Post',
            's3': {'s3SchemaVersion': '1.0', 'configurationId': 'on_upload',
                   'bucket': {'name': 'b', 'arn': 'arn:aws:s3:::b'},
                   'object': {'key': 'users%2Fu1%2Fa+b.csv', 'size': 3, 'eTag': 'e'}}}
    record = s3_record(moto)
    assert record['s3']['object']['key'] == 'users/u1/a+b.csv'
    assert record['s3']['object']['size'] == 3
    assert record['s3']['bucket']['name'] == 'b'
    assert record['eventName'] == 'ObjectCreated:Post'
    assert {'userIdentity', 'requestParameters', 'responseElements'} <= set(record)


def test_sqs_record_is_lambda_shaped():
    message = {'MessageId': 'm1', 'ReceiptHandle': 'r1', 'Body': '{}', 'MD5OfBody': 'x',
               'Attributes': {'ApproximateReceiveCount': '2'},
               'MessageAttributes': {'kind': {'StringValue': 'job', 'DataType': 'String'}}}
    record = sqs_record(message, 'arn:aws:sqs:eu-west-1:1:q', 'eu-west-1')
    assert record['messageId'] == 'm1' and record['receiptHandle'] == 'r1'
    assert record['attributes']['ApproximateReceiveCount'] == '2'
    assert record['messageAttributes'] == {'kind': {'stringValue': 'job', 'dataType': 'String'}}
    assert (record['eventSource'], record['eventSourceARN']) == ('aws:sqs', 'arn:aws:sqs:eu-west-1:1:q')
