"""`make demo`: the whole flow against a running `make run` stack, as a newcomer sees it.

Signs in as the demo user, uploads Niger State's ward data (or a synthetic 275-ward
state when ../shared/data is absent) with the presigned POSTs, waits for the
dataset to be READY, and talks to the assistant: a conversation on the dataset asks
for the malaria risk analysis (its progress drawn from the WebSocket's chat events),
then prints the ten most vulnerable wards and the files the analysis produced, and
goes on to the top wards, why the first ranks so high, and a bed-net plan; the whole
conversation is printed. The same client functions drive the end-to-end tests.
"""
import argparse
import asyncio
import json
import pathlib
import sys
import time
import urllib.parse

import requests

from devstack.stack import ROOT, STATE_FILE

NIGER = ROOT.parent / 'shared' / 'data' / 'niger'
WAIT_SECONDS = 300
BAR_WIDTH = 30
TABLE_ROWS = 10        # rows of a table attachment the demo prints


class DemoError(Exception):
    """Something a person running the demo must fix; printed without a traceback."""


class Api:
    """The REST API as a signed-in user calls it."""

    def __init__(self, api_url, token):
        self.api_url = api_url.rstrip('/')
        self.headers = {'Authorization': f'Bearer {token}'}

    def call(self, method, path, expect=200, **kwargs):
        response = requests.request(method, self.api_url + path, headers=self.headers, timeout=60,
                                    **kwargs)
        if response.status_code != expect:
            raise DemoError(f'{method} {path} answered {response.status_code}: {response.text[:500]}')
        return response.json() if response.content else None

    def upload_dataset(self, name, files):
        """Create the dataset and POST each file to its presigned form; the dataset id."""
        created = self.create_dataset(name, files)
        self.send_files(created, files)
        return created['dataset_id']

    def create_dataset(self, name, files):
        """POST /datasets for `files` ({role: (filename, bytes)}): its answer, with the upload forms."""
        return self.call('POST', '/datasets', expect=201, json={'name': name, 'files': [
            {'role': role, 'filename': filename, 'size': len(body)}
            for role, (filename, body) in files.items()]})

    def send_files(self, created, files):
        """Each file to the presigned form `created` (POST /datasets' answer) gave its role."""
        for upload in created['uploads']:
            filename, body = files[upload['role']]
            response = requests.post(upload['url'], data=upload['fields'],
                                     files={'file': (filename, body)}, timeout=120)
            if response.status_code not in (200, 201, 204):
                raise DemoError(f'uploading {filename} failed with {response.status_code}')

    def wait_for_dataset(self, dataset_id, seconds=WAIT_SECONDS, interval=0.3):
        """The dataset once it is READY or INVALID, asked every `interval` seconds."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            dataset = self.call('GET', f'/datasets/{dataset_id}')
            if dataset['status'] in ('READY', 'INVALID'):
                return dataset
            time.sleep(interval)
        raise DemoError(f'dataset {dataset_id} was not processed within {seconds} s')

    def post_message(self, conversation_id, text):
        return self.call('POST', f'/conversations/{conversation_id}/messages', expect=202, json={'text': text})

    def start_analysis(self, dataset_id, **request):
        return self.call('POST', '/analyses', expect=202,
                         json=dict(request, dataset_id=dataset_id))['analysis_id']

    def rankings_page(self, analysis_id, limit, next_token=None):
        query = {'limit': limit, **({'next_token': next_token} if next_token else {})}
        return self.call('GET', f'/analyses/{analysis_id}/rankings', params=query)

    def rankings(self, analysis_id, limit=100):
        """Every ranked ward, page by page."""
        items, token = [], None
        while True:
            page = self.rankings_page(analysis_id, limit, token)
            items.extend(page['items'])
            token = page.get('next_token')
            if not token:
                return items


async def follow(ws_url, token, analysis_id, on_message=None, seconds=WAIT_SECONDS):
    """Subscribe to the analysis and return every message up to its final status."""
    import websockets
    url = f'{ws_url.rstrip("/")}/?token={urllib.parse.quote(token)}'
    messages = []
    subscribe = json.dumps({'action': 'subscribe', 'analysis_id': analysis_id})
    async with websockets.connect(url) as connection:
        await connection.send(subscribe)
        async with asyncio.timeout(seconds):
            async for raw in connection:
                message = json.loads(raw)
                if message['type'] == 'error' and message['code'] == 'conflict':
                    await asyncio.sleep(0.5)           # the connection was not ready yet
                    await connection.send(subscribe)
                    continue
                messages.append(message)
                if on_message:
                    on_message(message)
                if message['type'] == 'error':
                    raise DemoError(f'the progress channel refused the subscription: {message}')
                if message['type'] == 'status':
                    return messages
    raise DemoError('the progress channel closed before the analysis finished')


class ProgressBar:
    """A one-line text bar that only moves forward (a late subscriber gets a replay); it draws
    an analysis's progress messages and the chat's `delta` events alike."""

    def __init__(self, out):
        self.out = out
        self.best = 0

    def __call__(self, message):
        if message['type'] == 'chat' and message['event'] == 'delta':
            message = dict(message, type='progress', message=message['text'])
        if message['type'] != 'progress':
            return
        self.best = max(self.best, message['progress'])
        filled = BAR_WIDTH * self.best // 100
        self.out.write(f'\r  [{"#" * filled}{"." * (BAR_WIDTH - filled)}] {self.best:3d}%  '
                       f'{message["stage"]:<10} {message["message"][:40]:<40}')
        self.out.flush()
        if self.best == 100:
            self.out.write('\n')


class Conversation:
    """A conversation with the assistant as a signed-in user holds it: each message posted over
    REST, its answer (and an analysis's progress) heard on one WebSocket connection."""

    def __init__(self, api, connection, conversation_id, out):
        self.api, self.connection, self.conversation_id, self.out = api, connection, conversation_id, out
        self.bar = ProgressBar(out)
        self.unread = []      # events heard while waiting for another (an analysis may end first)

    async def say(self, text, seconds=WAIT_SECONDS):
        """Post `text`; the assistant's message that answers it (raises when the turn failed)."""
        print(f'\nYou: {text}', file=self.out)
        turn_id = (await asyncio.to_thread(self.api.post_message, self.conversation_id, text))['turn_id']
        event = await self.hear(lambda e: e['turn_id'] == turn_id and e['event'] in ('message', 'error'), seconds)
        if event['event'] == 'error':
            raise DemoError(f'The assistant could not answer: {event["error"]}')
        return self.show(event['message'])

    async def hear(self, wanted, seconds=WAIT_SECONDS):
        """The first chat event of this conversation that is `wanted`; progress is drawn meanwhile."""
        found = next((event for event in self.unread if wanted(event)), None)
        if found is not None:
            self.unread.remove(found)
            return found
        async with asyncio.timeout(seconds):
            async for raw in self.connection:
                event = json.loads(raw)
                if event.get('type') != 'chat' or event['conversation_id'] != self.conversation_id:
                    continue
                self.bar(event)
                if wanted(event):
                    return event
                self.unread.append(event)
        raise DemoError('the WebSocket closed before the assistant answered')

    async def analysis_ended(self, seconds=WAIT_SECONDS):
        """The assistant's message, outside any turn, that says how the analysis it started ended."""
        event = await self.hear(lambda e: e['event'] == 'message' and e['turn_id'] is None, seconds)
        return self.show(event['message'])

    def show(self, message):
        print(f'Assistant: {message["text"]}', file=self.out)
        for attachment in message['attachments']:
            print_attachment(attachment, self.out)
        return message


def print_attachment(attachment, out):
    kind = attachment['kind']
    if kind == 'table':
        print_table(attachment, out)
    elif kind == 'options':
        print(f'  (answer with one of: {", ".join(attachment["options"])})', file=out)
    elif kind == 'plan':
        totals = attachment.get('totals') or {}
        shown = ', '.join(f'{name.replace("_", " ")} {_cell(value)}' for name, value in totals.items()
                          if not isinstance(value, dict))
        print(f'  plan {attachment.get("plan_id")}: {shown}', file=out)
    else:
        print(f'  {kind}: {attachment.get("name") or attachment.get("title") or ""} (a 5-minute link)', file=out)


def print_table(table, out):
    """A table attachment's first rows, in columns as wide as their cells (at most 24)."""
    rows = table['rows'][:TABLE_ROWS]
    columns = [c for c in table['columns'] if c != 'ward_code'][:6]
    widths = {c: min(24, max(len(c), *(len(_cell(row.get(c))) for row in rows))) for c in columns}
    print(f'  {table["title"]}:', file=out)
    for cells in [{c: c for c in columns}] + [{c: _cell(row.get(c)) for c in columns} for row in rows]:
        print('    ' + '  '.join(f'{cells[c][:24]:<{widths[c]}}' for c in columns).rstrip(), file=out)
    if len(table['rows']) > TABLE_ROWS:
        print(f'    ... {len(table["rows"]) - TABLE_ROWS} more rows', file=out)


def _cell(value):
    if isinstance(value, float):
        return f'{value:,.3f}'
    return f'{value:,}' if isinstance(value, int) and not isinstance(value, bool) else str(
        value if value is not None else '')


def sign_in(state):
    """An ID token for the demo user, the way a browser signs in."""
    import boto3
    cognito = boto3.session.Session().client(
        'cognito-idp', endpoint_url=state['aws_endpoint_url'], region_name=state['region'],
        aws_access_key_id='local', aws_secret_access_key='local')
    demo = state['demo_user']
    return cognito.initiate_auth(
        ClientId=state['user_pool_client_id'], AuthFlow='USER_PASSWORD_AUTH',
        AuthParameters={'USERNAME': demo['username'], 'PASSWORD': demo['password']},
    )['AuthenticationResult']['IdToken']


def demo_files(niger=NIGER):
    """Niger's real files, or a synthetic state of the same size; and where they came from."""
    data, shapes = niger / 'Niger_plus.csv', niger / 'Niger_State.zip'
    if data.is_file() and shapes.is_file():
        return {'data': (data.name, data.read_bytes()),
                'boundaries': (shapes.name, shapes.read_bytes())}, 'Niger State (../shared/data)'
    from chalicelib.analysis.synthetic import generate_state
    return generate_state(275, seed=7), 'a synthetic 275-ward state (../shared/data is absent)'


def load_state(state_dir):
    path = pathlib.Path(state_dir) / STATE_FILE
    try:
        state = json.loads(path.read_text())
        requests.get(state['api_url'] + '/health', timeout=5).raise_for_status()
    except (OSError, ValueError, KeyError, requests.RequestException):
        raise DemoError(f'No local stack is running ({path} is missing or its API does not '
                        'answer). Start it with `make run` in another terminal, then run '
                        '`make demo` again.')
    return state


def run(state, out):
    """The demo flow, told on `out`; returns the analysis id."""
    token = sign_in(state)
    api = Api(state['api_url'], token)
    files, origin = demo_files()
    print(f'Signed in as {state["demo_user"]["username"]}. Uploading {origin}...', file=out)
    dataset = api.wait_for_dataset(api.upload_dataset('Demo: Niger State', files))
    if dataset['status'] != 'READY':
        raise DemoError('The dataset was refused:\n' + '\n'.join(
            f'  - {e.get("file") or ""}: {e["message"]}' for e in dataset['errors']))
    summary = dataset['summary']
    print(f'Dataset READY: {summary["wards"]} wards, matched {summary["matched"]}, '
          f'{len(summary["variables"])} variables.', file=out)
    return asyncio.run(converse(state['ws_url'], token, api, dataset['dataset_id'], out))


async def converse(ws_url, token, api, dataset_id, out):
    """A conversation on the dataset: the analysis, the top wards, the first explained as a follow-up, a
    bed-net plan."""
    import websockets
    conversation_id = api.call('POST', '/conversations', expect=201, json={'dataset_id': dataset_id})['conversation_id']
    print(f'\nConversation {conversation_id} (POST /conversations/{{id}}/messages; answers over the WebSocket)',
          file=out)
    [greeting] = api.call('GET', f'/conversations/{conversation_id}')['messages']
    print(f'Assistant: {greeting["text"]}', file=out)
    async with websockets.connect(f'{ws_url.rstrip("/")}/?token={urllib.parse.quote(token)}') as connection:
        chat = Conversation(api, connection, conversation_id, out)
        await chat.say('run malaria risk analysis')
        ended = await chat.analysis_ended()
        analysis_id = api.call('GET', f'/conversations/{conversation_id}')['analysis_id']
        status = api.call('GET', f'/analyses/{analysis_id}')['status']
        print(f'\nAnalysis {status}.', file=out)
        if status != 'SUCCEEDED':
            raise DemoError(ended['text'])
        print_top_wards(api.rankings_page(analysis_id, 10)['items'], out)
        artifacts = api.call('GET', f'/analyses/{analysis_id}')['artifacts']
        print('\nFiles (GET /analyses/{id}/artifacts/{name} gives a download link):', file=out)
        print('  ' + ', '.join(artifacts), file=out)
        await chat.say('What are the top 10 highest risk wards?')
        await chat.say('why is it ranked so high?')      # a follow-up: the table's first ward
        await chat.say('I want to plan bed net distribution')
        await chat.say('I have 2 million nets and average household size is 4')
    return analysis_id


def print_top_wards(rankings, out):
    print('\nThe ten most vulnerable wards (composite score):', file=out)
    print(f'  {"rank":>4}  {"ward":<24} {"LGA":<18} {"score":>6}  category', file=out)
    for ward in rankings:
        print(f'  {ward["composite_rank"]:>4}  {str(ward["ward_name"])[:24]:<24} '
              f'{str(ward["lga"] or "")[:18]:<18} {ward["composite_score"]:>6.3f}  '
              f'{ward["composite_category"]}', file=out)


def main(argv=None):
    parser = argparse.ArgumentParser(prog='python -m devstack.demo', description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--state-dir', default=ROOT / '.local',
                        help='where the running stack wrote stack.json (default .local)')
    args = parser.parse_args(argv)
    try:
        run(load_state(args.state_dir), sys.stdout)
    except DemoError as error:
        print(f'\n{error}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
