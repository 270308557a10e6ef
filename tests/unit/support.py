"""Test-only helpers: callers with unsigned tokens, items put in place through storage.

chalice.test.Client does not verify tokens: it base64-decodes the payload and
hands its claims to the app, so an unsigned token is enough to name a caller
here (the local stack verifies real ones).
"""
import base64
import json

from chalicelib.storage.analyses import RUNNING, SUCCEEDED
from chalicelib.storage.base import new_id, now_iso
from chalicelib.storage.datasets import READY
from tests.unit.answers import check

VARIABLES = ('u5_tpr_rdt', 'housing_quality', 'mean_rainfall')


def unsigned_token(sub, role='analyst', organization='nmep', region='NI', email=None):
    """A JWT-shaped token whose payload is the claims Cognito would put in an ID token."""
    def part(obj):
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip('=')
    claims = {'sub': sub, 'cognito:username': sub, 'email': email or f'{sub}@health.gov.ng',
              'custom:organization': organization, 'custom:role': role,
              'custom:region': region, 'token_use': 'id'}
    return f'{part({"alg": "none"})}.{part(claims)}.'


class Caller:
    """One user talking to the app: JSON in, status and JSON out, each answer checked against
    its route's response model (or the error model and the statuses its document lists)."""

    def __init__(self, http, sub, **claims):
        self.user_id = sub
        self._http = http
        self._headers = {'Authorization': f'Bearer {unsigned_token(sub, **claims)}'}

    def call(self, method, path, body=None, headers=None):
        all_headers = dict(self._headers, **(headers or {}))
        data = b''
        if body is not None:
            all_headers.setdefault('Content-Type', 'application/json')
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
        response = self._http.request(method, path, headers=all_headers, body=data)
        check(method, path, response)   # every answer is what the route's models say
        return response

    def get(self, path, **kwargs):
        return self.call('GET', path, **kwargs)

    def post(self, path, body=None, **kwargs):
        return self.call('POST', path, body, **kwargs)

    def delete(self, path, **kwargs):
        return self.call('DELETE', path, **kwargs)



def ready_dataset(stores, user_id, name='Niger wards', variables=VARIABLES):
    """A READY dataset as the upload processor will leave it."""
    dataset_id = new_id('ds')
    now = now_iso()
    stores.datasets.put_new(user_id, {
        'dataset_id': dataset_id, 'name': name, 'status': READY, 'files': {}, 'errors': [],
        'warnings': [], 'created_at': now, 'updated_at': now,
        'summary': {'wards': 3, 'matched': {'code': 3, 'name': 0, 'fuzzy': 0}, 'unmatched': 0,
                    'state': 'NI', 'variables': [
                        {'name': v, 'missing': 0, 'min': 0.5, 'max': 9.25,
                         'direction': 'direct'} for v in variables]}})
    return dataset_id


def ranking(n):
    return [{'ward_code': f'NI{i:04d}', 'ward_name': f'Ward {i}', 'lga': 'Bida',
             'composite_score': round(1 - i / n, 4), 'composite_rank': i + 1,
             'composite_category': 'High', 'pca_score': None, 'pca_rank': None,
             'pca_category': None, 'rank_spread': {'min': 1, 'p10': 1, 'p90': 2, 'max': 3},
             'imputed': []} for i in range(n)]


def succeeded_analysis(stores, user_id, dataset_id, wards=5, rows=None, files=()):
    """A SUCCEEDED analysis with `rankings.json` (`rows`, or `wards` made-up wards), `report.html` and
    `files` ((name, body, content type) more), as the worker will leave it."""
    analysis_id = new_id('an')
    now = now_iso()
    stores.analyses.put_new(user_id, {
        'analysis_id': analysis_id, 'dataset_id': dataset_id, 'status': RUNNING,
        'stage': 'report', 'progress': 90, 'error': None,
        'request': {'dataset_id': dataset_id, 'method': 'both'}, 'artifacts': {},
        'created_at': now, 'updated_at': now})
    for name, body, content_type in (
            ('rankings.json', json.dumps(rows or ranking(wards)).encode(), 'application/json'),
            ('report.html', b'<html>report</html>', 'text/html'), *files):
        key = stores.objects.put_file(user_id, 'analyses', analysis_id, (name,), body, content_type)
        stores.analyses.add_artifacts(user_id, analysis_id, {name: (key, content_type, len(body))})
    stores.analyses.transition(user_id, analysis_id, RUNNING, SUCCEEDED, progress=100, stage='done')
    return analysis_id
