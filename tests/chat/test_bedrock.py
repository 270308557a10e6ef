"""The Bedrock provider against botocore's Stubber on `converse` (moto has no Converse): the
request is validated against the real service model, the answers are what Bedrock sends."""
import boto3
import pytest
from botocore.stub import ANY, Stubber

from chalicelib.conversations import loop, tools
from chalicelib.conversations.assistant import Names, ProviderError, TurnContext
from chalicelib.conversations.bedrock import BedrockProvider

MODEL = 'anthropic.claude-3-haiku-20240307-v1:0'


@pytest.fixture
def bedrock():
    client = boto3.client('bedrock-runtime', region_name='eu-west-1')
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def context(text, history=(), conversation=None):
    return TurnContext(text=text, history=tuple(history), conversation=conversation or {}, tools=tools.specs(),
                       names=lambda: Names())


def answered(*blocks, stop='end_turn'):
    return {'output': {'message': {'role': 'assistant', 'content': list(blocks)}}, 'stopReason': stop,
            'usage': {'inputTokens': 10, 'outputTokens': 5, 'totalTokens': 15}, 'metrics': {'latencyMs': 100}}


def expected(messages, **more):
    return dict({'modelId': MODEL, 'system': ANY, 'messages': messages, 'inferenceConfig': ANY, 'toolConfig': ANY},
                **more)


def test_a_tool_use_round_trip_runs_the_tool_and_returns_its_result_to_the_model(bedrock):
    client, stubber = bedrock
    question = [{'role': 'user', 'content': [{'text': 'how does PCA work?'}]}]
    use = {'toolUse': {'toolUseId': 'tu-1', 'name': 'explain_method', 'input': {'topic': 'pca'}}}
    stubber.add_response('converse', answered({'text': 'Let me look.'}, use, stop='tool_use'), expected(question))
    result = {'role': 'user', 'content': [{'toolResult': {'toolUseId': 'tu-1', 'status': 'success', 'content': ANY}}]}
    stubber.add_response('converse', answered({'text': 'PCA finds the main patterns.'}),
                         expected(question + [{'role': 'assistant', 'content': [use]}, result]))
    events = []
    session = tools.ToolSession('user-a-0001', 'cv_1', 'tn_1', {}, None)
    answer = loop.run(context('how does PCA work?'), BedrockProvider(client, MODEL), session, events.append)
    assert answer.text == 'PCA finds the main patterns.'
    assert [(r.call.name, r.status) for r in answer.results] == [('explain_method', 'ok')]
    assert [e['status'] for e in events] == ['running', 'ok']


def test_the_model_sees_every_tool_schema_and_a_system_prompt_saying_what_it_is_for(bedrock):
    client, _ = bedrock
    request = BedrockProvider(client, MODEL).request(context('hi', conversation={'analysis_id': 'an_1'}))
    specs = request['toolConfig']['tools']
    assert [s['toolSpec']['name'] for s in specs] == [s.name for s in tools.specs()]
    assert specs[0]['toolSpec']['inputSchema']['json'] == tools.specs()[0].input_schema
    prompt = request['system'][0]['text']
    assert 'malaria' in prompt and 'never invent' in prompt and 'analysis an_1' in prompt
    assert 'guardrailConfig' not in request


def test_a_text_answer_after_a_history_that_starts_with_the_greeting(bedrock):
    client, stubber = bedrock
    history = [{'role': 'assistant', 'text': 'Your dataset has 30 wards.', 'tool_calls': []},
               {'role': 'user', 'text': 'top wards', 'tool_calls': []},
               {'role': 'assistant', 'text': '', 'tool_calls': []},          # a failed turn said nothing
               {'role': 'user', 'text': 'hello?', 'tool_calls': []},
               {'role': 'assistant', 'text': 'Hello.', 'tool_calls': []}]
    stubber.add_response('converse', answered({'text': 'Children under five have the least immunity.'}), expected([
        {'role': 'user', 'content': [{'text': 'top wards'}, {'text': 'hello?'}]},
        {'role': 'assistant', 'content': [{'text': 'Hello.'}]},
        {'role': 'user', 'content': [{'text': 'why are children under 5 most vulnerable?'}]}]))
    reply = BedrockProvider(client, MODEL).respond(context('why are children under 5 most vulnerable?', history))
    assert reply.text == 'Children under five have the least immunity.' and reply.tool_calls == ()


def test_the_guardrail_is_passed_and_its_intervention_is_the_answer(bedrock):
    client, stubber = bedrock
    stubber.add_response(
        'converse', answered({'text': 'Sorry, I cannot discuss that.'}, stop='guardrail_intervened'),
        expected(ANY, guardrailConfig={'guardrailIdentifier': 'gr-abc', 'guardrailVersion': '3', 'trace': 'disabled'}))
    reply = BedrockProvider(client, MODEL, guardrail_id='gr-abc', guardrail_version='3').respond(context('...'))
    assert reply.text == 'Sorry, I cannot discuss that.' and reply.tool_calls == ()


def test_an_answer_cut_short_says_so(bedrock):
    client, stubber = bedrock
    stubber.add_response('converse', answered({'text': 'The wards are'}, stop='max_tokens'), expected(ANY))
    assert 'cut short' in BedrockProvider(client, MODEL).respond(context('list them')).text


@pytest.mark.parametrize('code, status, said', [
    ('ThrottlingException', 429, 'send your message again in a minute'),
    ('AccessDeniedException', 403, MODEL),
    ('InternalServerException', 500, 'Amazon Bedrock failed'),
])
def test_a_refusal_of_bedrock_is_a_provider_error_a_person_can_act_on(bedrock, code, status, said):
    client, stubber = bedrock
    stubber.add_client_error('converse', service_error_code=code, http_status_code=status, service_message='no')
    with pytest.raises(ProviderError) as raised:
        BedrockProvider(client, MODEL).respond(context('top wards'))
    assert said in str(raised.value)
