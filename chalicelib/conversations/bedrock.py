"""Amazon Bedrock's Converse API as the chat's provider: the model sees the system prompt, the
last messages of the conversation and this turn's tool calls and results, and the tools as
the registry's specs (schemas generated from the same input models the rules router fills).

The model only chooses tools and words: the tool loop runs the calls as the session's user.
What the model service refuses (throttling, access, a missing model) becomes a ProviderError
with a sentence saying what to do, and the turn ends FAILED with it.
"""
import json
from types import MappingProxyType

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.conversations.assistant import ProviderError, Reply, ToolCall

MAX_TOKENS = 1024
TEMPERATURE = 0.2
SYSTEM_PROMPT = (
    "You are ChatMRPT, the assistant of Nigeria's malaria programme managers, M&E officers and district "
    'health teams. You help them decide where to act against malaria from their own ward data: what an upload '
    'contains, ward test positivity rates (TPR) from facility reports, the malaria risk analysis that ranks wards '
    'by a composite score and by PCA, maps, why a ward ranks where it does, and bed-net (ITN) distribution plans.\n'
    '- Use the tools for anything about the user\'s data, and never invent a number, a ward or a ranking: say '
    'what the tools said, in plain words and briefly. Tables, maps and links are shown with your answer, so do '
    'not repeat them in full.\n'
    '- Leave ids out of tool inputs unless the user names another dataset or analysis: the tools then use the '
    "conversation's own.\n"
    '- When an input the user must choose is missing (the number of nets for a plan; the facility level and age '
    'group for a TPR), ask for it in one short question instead of guessing: nothing is created until the inputs '
    'are complete.\n'
    '- After starting an analysis, say that its progress appears in the chat; do not wait for it to finish.\n'
    '- Answer general malaria questions (transmission, who is most at risk, interventions) briefly from what is '
    "known, naming the source (the WHO World Malaria Report, Nigeria's National Malaria Strategic Plan, WHO "
    'guidelines), and say when you are not sure.\n'
    '- Politely decline what has nothing to do with malaria programmes or this data.')
EMPTY = 'I have no answer to that; could you ask it another way?'
REFUSED = 'I cannot help with that. Ask me about your ward data, the malaria risk analysis or malaria itself.'
TRUNCATED = ' (the answer was cut short; ask for the rest)'
RETRY = 'send your message again in a minute.'
# What a person reads when Bedrock refuses; {model} is the model id.
FAILURES = MappingProxyType({
    'ThrottlingException': f'The language model is busy (Amazon Bedrock throttled the request): {RETRY}',
    'ServiceQuotaExceededException': f'The language model is busy (a Bedrock quota was reached): {RETRY}',
    'AccessDeniedException': 'The assistant may not use its language model ({model}): the administrator must '
                             'enable access to it in the Amazon Bedrock console, in the configured region.',
    'ResourceNotFoundException': 'The assistant\'s language model ({model}) is not available in the configured '
                                 'region: the administrator must check BEDROCK_MODEL_ID and BEDROCK_REGION.',
    'ModelNotReadyException': f'The language model is starting up: {RETRY}',
    'ModelTimeoutException': 'The language model took too long to answer: send your message again, shorter.',
})
UNAVAILABLE = f'The language model could not answer (Amazon Bedrock failed): {RETRY}'
TOO_LONG = 'This conversation has grown too long for the language model: start a new conversation.'


class BedrockProvider:
    name = 'bedrock'

    def __init__(self, client, model_id, guardrail_id=None, guardrail_version=None):
        self.client = client
        self.model_id = model_id
        self.guardrail = ({'guardrailIdentifier': guardrail_id, 'guardrailVersion': guardrail_version}
                          if guardrail_id else None)   # the settings hold both or neither

    def respond(self, context):
        try:
            response = self.client.converse(**self.request(context))
        except ClientError as error:
            code = error.response.get('Error', {}).get('Code', '')
            raise ProviderError(FAILURES.get(code, UNAVAILABLE).format(model=self.model_id)) from error
        except BotoCoreError as error:   # no connection, a read timeout
            raise ProviderError(UNAVAILABLE) from error
        return reply_of(response)

    def request(self, context):
        """The Converse request of one step of the turn."""
        request = {'modelId': self.model_id, 'system': [{'text': system_prompt(context.conversation)}],
                   'messages': messages(context),
                   'inferenceConfig': {'maxTokens': MAX_TOKENS, 'temperature': TEMPERATURE}}
        if context.tools:
            request['toolConfig'] = {'tools': [
                {'toolSpec': {'name': spec.name, 'description': spec.description,
                              'inputSchema': {'json': spec.input_schema}}} for spec in context.tools]}
        if self.guardrail:
            request['guardrailConfig'] = dict(self.guardrail, trace='disabled')
        return request


def system_prompt(conversation):
    bound = [f'{name.split("_")[0]} {conversation[name]}' for name in ('dataset_id', 'analysis_id')
             if conversation.get(name)]
    return SYSTEM_PROMPT + (f'\nThis conversation works on {" and ".join(bound)}.' if bound else '')


def messages(context):
    """The history and this turn as Converse messages: they start with the user and alternate (a
    greeting before the first question is left out, same-role neighbours are joined), then this
    turn's tool calls and their results."""
    said = [(m['role'], m['text']) for m in context.history if m.get('text')] + [('user', context.text)]
    out = []
    for role, text in said:
        if out and out[-1]['role'] == role:
            out[-1]['content'].append({'text': text})
        elif out or role == 'user':
            out.append({'role': role, 'content': [{'text': text}]})
    if context.results:
        out.append({'role': 'assistant', 'content': [
            {'toolUse': {'toolUseId': r.call.call_id, 'name': r.call.name, 'input': r.call.input}}
            for r in context.results]})
        out.append({'role': 'user', 'content': [
            {'toolResult': {'toolUseId': r.call.call_id, 'status': 'success' if r.status == 'ok' else 'error',
                            'content': [{'text': f'{r.summary}\n{json.dumps(r.content, default=str)}'}]}}
            for r in context.results]})
    return out


def reply_of(response):
    """The provider's Reply to one Converse response, by its stop reason."""
    blocks = response['output']['message']['content']
    text = '\n'.join(b['text'] for b in blocks if 'text' in b).strip()
    stop = response.get('stopReason')
    if stop == 'tool_use':
        return Reply(text=text, tool_calls=tuple(
            ToolCall(b['toolUse']['toolUseId'], b['toolUse']['name'], b['toolUse'].get('input') or {})
            for b in blocks if 'toolUse' in b))
    if stop in ('guardrail_intervened', 'content_filtered'):
        return Reply(text=text or REFUSED)
    if stop == 'model_context_window_exceeded':
        raise ProviderError(TOO_LONG)
    if stop == 'max_tokens':
        return Reply(text=text + TRUNCATED if text else EMPTY)
    return Reply(text=text or EMPTY)
