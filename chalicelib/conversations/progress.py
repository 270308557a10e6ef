"""An analysis started from the chat, followed in its conversation: each progress step reaches
the owner's connections as a `delta` chat event, and its end is an assistant message (outside
any turn) saying how it ended and what to ask next. Nothing here may fail the analysis."""
import logging

from chalicelib.conversations.events import DELTA, MESSAGE, tell
from chalicelib.conversations.messages import assistant_message, view_message
from chalicelib.storage.analyses import SUCCEEDED
from chalicelib.storage.conversations import ConversationGone

log = logging.getLogger('chatmrpt.chat')
NEXT = ('Ask me for the top 10 highest risk wards, a vulnerability map, why a ward ranks where it does, '
        'or to plan bed net distribution.')


def analysis_progress(deps, item, stage, progress, text):
    """A `delta` event of the analysis's conversation (none for an analysis started over REST)."""
    conversation_id = item.get('conversation_id')
    if not conversation_id:
        return
    try:
        tell(deps, item['user_id'], DELTA, conversation_id, None, analysis_id=item['analysis_id'],
             stage=stage, progress=progress, text=text)
    except Exception:
        log.warning('chat progress not sent', exc_info=True, extra={'analysis_id': item['analysis_id']})


def analysis_ended(deps, item, status, error=None):
    """The assistant's message saying how the analysis ended, kept in its conversation and sent."""
    conversation_id = item.get('conversation_id')
    if not conversation_id:
        return
    user_id, analysis_id = item['user_id'], item['analysis_id']
    text = (f'The malaria risk analysis {analysis_id} has finished. {NEXT}' if status == SUCCEEDED
            else f'The malaria risk analysis {analysis_id} did not finish: {error}')
    message = assistant_message(text)
    try:
        deps.conversations.add_message(user_id, conversation_id, message)
        tell(deps, user_id, MESSAGE, conversation_id, None, message=view_message(user_id, message, deps))
    except ConversationGone:
        log.info('conversation deleted; analysis end not told', extra={'analysis_id': analysis_id})
    except Exception:
        log.warning('analysis end not told in the chat', exc_info=True, extra={'analysis_id': analysis_id})
