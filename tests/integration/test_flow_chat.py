"""chat.md's conversation end to end on the running local stack, with the rules provider: ward
data, boundaries and a facility export uploaded, the TPR asked for (and its missing inputs asked
back), the analysis run from the chat with its progress in the conversation, maps, the top
wards, one explained, a bed-net plan after its question back, a general malaria question; and
another user who hears none of it and cannot reach the conversation."""
import asyncio
import io
import json
import urllib.parse

import pytest
import requests
import websockets

from devstack.demo import Api, Conversation
from tests.analysis import fixtures_tpr as fx
from tests.processing.test_tpr_uploads import kwara

pytestmark = pytest.mark.integration


def connect(stack, token):
    return websockets.connect(f'{stack.ws_url.rstrip("/")}/?token={urllib.parse.quote(token)}')


def attachment(message, kind):
    return next(a for a in message['attachments'] if a['kind'] == kind)


async def hold_the_conversation(stack, alice, bob, conversation_id):
    """Alice's conversation while Bob is connected; (what Alice's answers were, what Bob heard)."""
    api = Api(stack.api_url, alice.token)
    answers = {}
    async with connect(stack, alice.token) as mine, connect(stack, bob.token) as bobs:
        chat = Conversation(api, mine, conversation_id, io.StringIO())
        asked = await chat.say('start the tpr workflow')
        answers['tpr asked'] = asked
        answers['tpr'] = await chat.say('primary facilities, under 5')
        answers['analysis'] = await chat.say('run malaria risk analysis')
        answers['analysis ended'] = await chat.analysis_ended()
        answers['progress'] = [event for event in chat.unread if event['event'] == 'delta']
        answers['map'] = await chat.say('create composite vulnerability map')
        answers['top'] = await chat.say('What are the top 10 highest risk wards?')
        first = attachment(answers['top'], 'table')['rows'][0]
        answers['why'] = await chat.say(f'why is {first["ward_code"]} ranked so high?')
        answers['plan asked'] = await chat.say('I want to plan bed net distribution')
        answers['plan'] = await chat.say('I have 2 million nets and average household size is 4')
        answers['malaria'] = await chat.say('why are children under 5 most vulnerable?')
        await bobs.send(json.dumps({'action': 'chat', 'conversation_id': conversation_id, 'text': 'top 10 wards'}))
        heard = []
        async with asyncio.timeout(10):
            async for raw in bobs:
                heard.append(json.loads(raw))
                if heard[-1]['type'] == 'error' and heard[-1]['code'] != 'conflict':
                    break
                if heard[-1]['type'] == 'error':      # the connection was not known yet: send again
                    await bobs.send(json.dumps({'action': 'chat', 'conversation_id': conversation_id,
                                                'text': 'top 10 wards'}))
    return answers, heard


def test_the_conversation_of_chat_md_from_upload_to_a_bed_net_plan(stack):
    alice, bob = stack.create_user(), stack.create_user()
    api = Api(stack.api_url, alice.token)
    dataset = api.wait_for_dataset(api.upload_dataset('Kwara wards', kwara(fx.export_csv(mangled=True))))
    assert dataset['status'] == 'READY', dataset['errors']
    created = api.call('POST', '/conversations', expect=201, json={'dataset_id': dataset['dataset_id']})
    conversation_id = created['conversation_id']
    [greeting] = api.call('GET', f'/conversations/{conversation_id}')['messages']
    assert '5 wards' in greeting['text'] and 'housing_quality' in greeting['text']

    answers, bob_heard = asyncio.run(hold_the_conversation(stack, alice, bob, conversation_id))

    # 2. The TPR: the missing inputs asked back with their choices, then computed.
    assert answers['tpr asked']['text'].endswith('?') and answers['tpr asked']['tool_calls'] == []
    assert attachment(answers['tpr asked'], 'options')['options']
    [tpr] = answers['tpr']['tool_calls']
    assert (tpr['name'], tpr['status']) == ('compute_tpr', 'ok')
    assert (tpr['input']['facility_level'], tpr['input']['age_group']) == ('primary', 'u5')
    # 3. The analysis started from the chat, its progress in the conversation, and remembered.
    [started] = answers['analysis']['tool_calls']
    assert (started['name'], started['status']) == ('run_analysis', 'ok')
    assert 'has finished' in answers['analysis ended']['text']
    assert answers['progress'] and answers['progress'][-1]['progress'] == 100
    header = api.call('GET', f'/conversations/{conversation_id}')
    assert header['analysis_id'] and header['analysis_id'] in answers['analysis ended']['text']
    assert api.call('GET', f"/analyses/{header['analysis_id']}")['status'] == 'SUCCEEDED'
    # 4. A map: a link to the analysis's file, for Alice only.
    shown = attachment(answers['map'], 'map')
    assert requests.get(shown['url'], timeout=30).status_code == 200
    assert f'/users/{alice.sub}/' in urllib.parse.unquote(shown['url'])
    # 5. The top wards as a table with codes and names; 6. the first explained.
    rows = attachment(answers['top'], 'table')['rows']
    assert len(rows) == 5 and all(row['ward_code'] and row['ward_name'] for row in rows)
    assert [(c['name'], c['status']) for c in answers['why']['tool_calls']] == [('explain_ward', 'ok')]
    assert rows[0]['ward_name'] in answers['why']['text']
    # 7. The plan: asked for the nets first, then made with them.
    assert answers['plan asked']['text'].endswith('?') and answers['plan asked']['tool_calls'] == []
    [plan_call] = answers['plan']['tool_calls']
    assert (plan_call['name'], plan_call['status']) == ('plan_itn', 'ok')
    plan = attachment(answers['plan'], 'plan')
    assert plan['plan_id'] and plan['totals']['nets_total'] == 2_000_000
    # 8. A general question, answered with its source, touching no data.
    assert answers['malaria']['tool_calls'] == []
    assert any(source in answers['malaria']['text'] for source in ('WHO', 'World Malaria Report', 'NMSP'))
    # Every message kept, in order; Bob heard nothing of it and cannot reach it.
    messages = api.call('GET', f'/conversations/{conversation_id}')['messages']
    assert [m['role'] for m in messages[1:] if m['turn_id']] == ['user', 'assistant'] * 9
    assert all(m['status'] == 'DONE' for m in messages if m['role'] == 'assistant')
    assert [(m['type'], m.get('code')) for m in bob_heard if m.get('code') != 'conflict'] == [('error', 'not_found')]
    assert stack.request('GET', f'/conversations/{conversation_id}', token=bob.token).status_code == 404
    assert stack.request('GET', '/conversations', token=bob.token).json()['items'] == []
