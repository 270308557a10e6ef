/**
 * A conversation as cached, and how each chat event of the WebSocket changes it: the turn starts,
 * tool steps appear as they run, text and analysis progress stream in, the whole message ends it.
 */
import type { ChatEvent, ChatMessage, ConversationDetail, ToolStep } from '../api/chat';

/** A message as shown: the API's, plus the progress of an analysis the turn started. */
export type ShownMessage = ChatMessage & { progress?: { analysis_id: string; stage?: string; progress: number } };
export type ShownConversation = Omit<ConversationDetail, 'messages'> & { messages: ShownMessage[] };

/** Where an analysis started from the chat shows its progress until its closing message arrives. */
const PROGRESS_PREFIX = 'progress-';

function upsertAssistant(
  detail: ShownConversation,
  event: ChatEvent,
  change: (message: ShownMessage) => ShownMessage,
): ShownConversation {
  const progressId = event.analysis_id && !event.turn_id ? `${PROGRESS_PREFIX}${event.analysis_id}` : null;
  const index = detail.messages.findIndex((m) =>
    progressId ? m.message_id === progressId : m.role === 'assistant' && !!event.turn_id && m.turn_id === event.turn_id,
  );
  if (index >= 0) {
    const messages = [...detail.messages];
    messages[index] = change(messages[index]);
    return { ...detail, messages };
  }
  const placeholder: ShownMessage = {
    message_id: progressId ?? `pending-${event.turn_id}`,
    turn_id: event.turn_id ?? null,
    role: 'assistant',
    text: '',
    status: 'RUNNING',
    created_at: new Date().toISOString(),
    tool_calls: [],
    attachments: [],
  };
  return { ...detail, messages: [...detail.messages, change(placeholder)] };
}

function withStep(steps: ToolStep[] = [], event: ChatEvent): ToolStep[] {
  const step: ToolStep = { name: event.name ?? 'tool', input: event.input, status: event.status ?? 'running', summary: event.summary };
  const running = steps.findIndex((s) => s.name === step.name && s.status === 'running');
  if (step.status !== 'running' && running >= 0) return steps.map((s, i) => (i === running ? step : s));
  return [...steps, step];
}

export function applyChatEvent(detail: ShownConversation | undefined, event: ChatEvent): ShownConversation | undefined {
  if (!detail || detail.conversation_id !== event.conversation_id) return detail;
  switch (event.event) {
    case 'started':
      return upsertAssistant(detail, event, (m) => ({ ...m, status: 'RUNNING' }));
    case 'tool':
      return upsertAssistant(detail, event, (m) => ({ ...m, tool_calls: withStep(m.tool_calls, event) }));
    case 'delta':
      if (event.analysis_id) {
        return upsertAssistant(detail, event, (m) => ({
          ...m,
          status: null,
          progress: {
            analysis_id: event.analysis_id!,
            stage: event.text ?? event.stage ?? undefined,
            progress: Math.max(m.progress?.progress ?? 0, event.progress ?? 0),
          },
        }));
      }
      return upsertAssistant(detail, event, (m) => ({ ...m, text: m.text + (event.text ?? '') }));
    case 'message': {
      const message = event.message;
      if (!message) return detail;
      // A message outside any turn closes the analysis the chat started: its progress line goes.
      const messages = detail.messages.filter((m) => message.turn_id || !m.message_id.startsWith(PROGRESS_PREFIX));
      const at = messages.findIndex(
        (m) => m.message_id === message.message_id || (m.role === 'assistant' && !!message.turn_id && m.turn_id === message.turn_id),
      );
      if (at >= 0) messages[at] = message;
      else messages.push(message);
      return { ...detail, messages };
    }
    case 'error': {
      const text = event.error ?? 'The assistant could not answer. Send the message again.';
      return upsertAssistant(detail, event, (m) => ({ ...m, status: 'FAILED', text: m.text || text }));
    }
    default:
      return detail;
  }
}

/** True while the assistant is still working on a turn of this conversation. */
export const isAnswering = (detail?: ShownConversation) =>
  !!detail?.messages.some((m) => m.role === 'assistant' && (m.status === 'QUEUED' || m.status === 'RUNNING'));
