"""Warm Lambda containers serve many users: no module may keep per-request data.

Module-level (and class-level) mutable containers are allowed only as
UPPER_CASE constants that nothing mutates; `global` is never used. Heavy
libraries stay off the REST cold path.
"""
import ast
import importlib
import json
import pathlib
import subprocess
import sys

import pytest

from tests.unit.support import unsigned_token

ROOT = pathlib.Path(__file__).resolve().parents[2]
SOURCES = sorted([ROOT / 'app.py', *(ROOT / 'chalicelib').rglob('*.py')])
MUTABLE_CALLS = frozenset({'list', 'dict', 'set', 'bytearray', 'defaultdict', 'OrderedDict',
                           'deque', 'Counter', 'WeakValueDictionary', 'WeakKeyDictionary'})
MUTATORS = frozenset({'append', 'extend', 'insert', 'add', 'update', 'setdefault', 'pop',
                      'popitem', 'clear', 'remove', 'discard', '__setitem__'})
HEAVY = ('pandas', 'numpy', 'plotly', 'pyproj', 'shapely')
CACHE_DECORATORS = frozenset({'lru_cache', 'cache', 'cached_property'})
# Memoised functions, each with why it cannot hold a user's data: keyed on no user input.
CACHES_ALLOWED = {
    'chalicelib/aws.py': {'client', '_session'},          # boto3 clients by service and endpoint, their session
    'chalicelib/tokens.py': {'_fetch_jwks_cached'},       # the user pool's public keys, by URL
    'chalicelib/viz/page.py': {'environment'},            # compiled templates, no arguments
    'chalicelib/viz/plotlyjs.py': {'template'},           # plotly's 'plotly_white' template, no arguments
    'chalicelib/reports/document.py': {'_environment'},   # compiled templates, no arguments
    # One invocation's dependencies: built on first use, gone with the Deps when the call ends.
    'chalicelib/deps.py': {'dynamodb', 'users', 'datasets', 'analyses', 'conversations', 'connections', 'audit',
                           'objects', 'jobs', 'chat', 'assistant', 'sender', 'verify', 'max_bytes', 'clock', 'heartbeat_wait', 'pause'},
}


def _is_mutable(value):
    if isinstance(value, (ast.List, ast.Dict, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp)):
        return True
    if isinstance(value, ast.Call):
        func = value.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, 'attr', '')
        return name in MUTABLE_CALLS
    return False


def _bindings(body):
    for node in body:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    yield target.id, node.value, node.lineno
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value:
            yield node.target.id, node.value, node.lineno


def problems_in(source, path='<module>'):
    """Every module- or class-level mutable binding that could hold request data."""
    tree = ast.parse(source)
    found = []
    scopes = [tree.body] + [n.body for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]
    constants = set()
    for body in scopes:
        for name, value, line in _bindings(body):
            if _is_mutable(value) and not name.startswith('__'):
                if name.isupper():
                    constants.add(name)
                else:
                    found.append(f'{path}:{line}: {name} is a mutable container at module/class level')
    allowed = CACHES_ALLOWED.get(str(path), set())
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name not in allowed:
            for decorator in node.decorator_list:
                target = decorator.func if isinstance(decorator, ast.Call) else decorator
                name = target.id if isinstance(target, ast.Name) else getattr(target, 'attr', '')
                if name in CACHE_DECORATORS:
                    found.append(f'{path}:{node.lineno}: {node.name} memoises its calls ({name}): '
                                 'add it to CACHES_ALLOWED only if no user data can reach it')
        if isinstance(node, ast.Global):
            found.append(f'{path}:{node.lineno}: global {", ".join(node.names)}')
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in MUTATORS and isinstance(node.func.value, ast.Name)
                and node.func.value.id in constants):
            found.append(f'{path}:{node.lineno}: constant {node.func.value.id} is mutated')
        if isinstance(node, (ast.Assign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if (isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name)
                        and target.value.id in constants):
                    found.append(f'{path}:{node.lineno}: constant {target.value.id} is mutated')
    return found


@pytest.mark.parametrize('path', SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_level_mutable_state(path):
    assert problems_in(path.read_text(), path.relative_to(ROOT)) == []


@pytest.mark.parametrize('source, expected', [
    ('CACHE = {}\ndef f(k, v):\n    CACHE[k] = v\n', 'constant CACHE is mutated'),
    ('sessions = {}\n', 'sessions is a mutable container'),
    ('class Handler:\n    history = []\n', 'history is a mutable container'),
    ('state = None\ndef f():\n    global state\n', 'global state'),
    ('SEEN = set()\ndef f(x):\n    SEEN.add(x)\n', 'constant SEEN is mutated'),
    ('import functools\n@functools.lru_cache(maxsize=64)\ndef ranking(analysis_id):\n    pass\n',
     'ranking memoises its calls'),
    ('from functools import cache\n@cache\ndef frame(dataset):\n    pass\n', 'frame memoises its calls'),
])
def test_the_inspection_catches_shared_state(source, expected):
    assert any(expected in problem for problem in problems_in(source))


def test_loaded_modules_hold_no_mutable_globals():
    """The same rule on the imported modules, for state built in ways the AST misses."""
    found = []
    for path in SOURCES:
        relative = path.relative_to(ROOT).with_suffix('')
        if relative.name == '__main__':
            continue
        module = importlib.import_module('.'.join(relative.parts).removesuffix('.__init__'))
        for name, value in vars(module).items():
            if (isinstance(value, (list, dict, set, bytearray)) and not name.isupper()
                    and not name.startswith('__')):
                found.append(f'{module.__name__}.{name}')
    assert found == []


# Besides the heavy libraries, what the REST cold path leaves to the calls that need it: pydantic (the
# models, loaded by the first body parsed), the token library (its cryptography), the chat worker, the generator.
COLD_PATH_ABSENT = HEAVY + ('pydantic', 'jwt', 'chalicelib.conversations.turns', 'devstack.openapi')


def _loaded_after(script, absent):
    """Which of `absent` a fresh interpreter has loaded after running `script` (its last line printed)."""
    script += f'import json, sys\nprint(json.dumps([m for m in {absent!r} if m in sys.modules]))\n'
    result = subprocess.run([sys.executable, '-c', script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()


def test_importing_the_app_loads_no_heavy_library():
    """The REST cold path: a fresh interpreter imports app.py and serves a request, loading no
    heavy library nor anything else it does not need, pydantic included."""
    script = ('from chalice.test import Client\n'
              'from app import app\n'
              'with Client(app, stage_name="local") as c:\n'
              '    assert c.http.get("/health").status_code == 200\n')
    assert json.loads(_loaded_after(script, COLD_PATH_ABSENT)[-1]) == []


def test_reading_connecting_and_the_cognito_triggers_load_no_pydantic():
    """What needs no body parsed, served in a fresh interpreter (AWS mocked): reading routes with a
    token, a refused one, the WebSocket's connect and disconnect, the three Cognito triggers. None
    loads pydantic: only a POST (or a chat message) pays for the models."""
    token = unsigned_token('user-a-0001')
    script = (
        'import json, os\n'
        'from chalice.test import Client\n'
        'os.environ.update(USER_POOL_ID="eu-west-1_local", USER_POOL_CLIENT_ID="client-1")\n'
        'from tests.conftest import mocked_aws\n'
        'from tests.unit.test_cognito_triggers import confirmed, sign_up, signing_in, ATTRIBUTES\n'
        'with mocked_aws():\n'
        '    from app import app, ws_connect, ws_disconnect\n'
        f'    auth = {{"Authorization": "Bearer {token}"}}\n'
        '    ws = {"requestContext": {"connectionId": "conn-1", "domainName": "ws.local", "stage": "local",\n'
        '                             "apiId": "abc123"}, "queryStringParameters": None}\n'
        '    with Client(app, stage_name="local") as c:\n'
        '        statuses = [c.http.get(path, headers=auth).status_code for path in (\n'
        '            "/me", "/datasets", "/analyses", "/conversations", "/datasets/ds-1", "/analyses/an-1/rankings")]\n'
        '        statuses.append(ws_connect(ws, None)["statusCode"])\n'
        '        statuses.append(ws_disconnect(ws, None)["statusCode"])\n'
        '        for name, event in (("pre_signup", sign_up(ATTRIBUTES)), ("post_confirmation", confirmed("sub-1")),\n'
        '                            ("pre_authentication", signing_in("sub-1"))):\n'
        '            statuses.append(c.lambda_.invoke(name, event).payload["triggerSource"])\n'
        '    print(json.dumps(statuses))\n')
    *_, statuses, loaded = _loaded_after(script, HEAVY + ('pydantic',))
    assert json.loads(statuses) == [200, 200, 200, 200, 404, 404, 401, 200, 'PreSignUp_SignUp',
                                    'PostConfirmation_ConfirmSignUp', 'PreAuthentication_Authentication']
    assert json.loads(loaded) == []
