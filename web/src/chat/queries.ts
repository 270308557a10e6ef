/** Conversations in the query cache, and the chat events that keep them current. */
import { useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import type { ChatMessage } from '../api/chat';
import { call, type Api } from '../api/client';
import { keys } from '../api/queries';
import { useServices } from '../app/context';
import { useChannelState } from '../live/hooks';
import { applyChatEvent, isAnswering, type ShownConversation } from './events';

export async function fetchConversation(api: Api, conversationId: string): Promise<ShownConversation> {
  let token: string | undefined;
  let detail: ShownConversation | undefined;
  do {
    const page = await call(
      api.GET('/conversations/{conversation_id}', {
        params: { path: { conversation_id: conversationId }, query: token ? { next_token: token } : {} },
      }),
    );
    const messages = page.messages as unknown as ChatMessage[]; // attachments: the API leaves their fields open
    detail = detail ? { ...detail, messages: [...detail.messages, ...messages] } : { ...page, messages };
    token = page.next_token ?? undefined;
  } while (token);
  return detail!;
}

export function useConversations() {
  const { api } = useServices();
  return useQuery({ queryKey: keys.conversations, queryFn: () => call(api.GET('/conversations', {})) });
}

const POLL_OFFLINE_MS = 3000; // while a turn runs and the WebSocket is down
const POLL_SAFETY_MS = 15000; // while a turn runs: in case an event was missed

export function useConversation(conversationId: string | undefined) {
  const { api } = useServices();
  const channel = useChannelState();
  return useQuery({
    queryKey: keys.conversation(conversationId ?? ''),
    enabled: !!conversationId,
    queryFn: () => fetchConversation(api, conversationId!),
    refetchInterval: (query) =>
      isAnswering(query.state.data as ShownConversation | undefined)
        ? channel === 'open'
          ? POLL_SAFETY_MS
          : POLL_OFFLINE_MS
        : false,
  });
}

/** The conversation's header (its dataset and analysis change with a turn's tools), into the cache. */
async function refreshHeader(api: Api, client: QueryClient, conversationId: string) {
  const page = await call(
    api.GET('/conversations/{conversation_id}', { params: { path: { conversation_id: conversationId }, query: { limit: 1 } } }),
  );
  const { messages: _first, next_token: _next, ...header } = page;
  client.setQueryData<ShownConversation>(keys.conversation(conversationId), (old) => old && { ...old, ...header });
}

/** Chat events of every conversation of the user go into the cache (mounted once per session). */
export function useChatEvents() {
  const { live, api } = useServices();
  const client = useQueryClient();
  useEffect(() => {
    const stops = [
      live.onMessage((message) => {
        if (message.type !== 'chat') return;
        client.setQueryData<ShownConversation>(keys.conversation(message.conversation_id), (old) =>
          applyChatEvent(old, message),
        );
        if (message.event === 'message') void refreshHeader(api, client, message.conversation_id).catch(() => undefined);
        if (message.event === 'message' || message.event === 'error') {
          void client.invalidateQueries({ queryKey: keys.conversations });
          void client.invalidateQueries({ queryKey: keys.analyses });
          void client.invalidateQueries({ queryKey: ['analysis'] }); // a tool may have added files
        }
      }),
      live.onReconnect(() => void client.invalidateQueries({ queryKey: ['conversation'] })),
    ];
    return () => stops.forEach((stop) => stop());
  }, [live, api, client]);
}

/** The user's message (and the answer's placeholder) in the cache once the API has queued it. */
export function addSent(
  detail: ShownConversation | undefined,
  sent: { message_id: string; turn_id: string; text: string },
): ShownConversation | undefined {
  if (!detail || detail.messages.some((m) => m.message_id === sent.message_id)) return detail;
  const now = new Date().toISOString();
  const mine: ChatMessage = { message_id: sent.message_id, turn_id: sent.turn_id, role: 'user', text: sent.text, created_at: now };
  const answer = detail.messages.findIndex((m) => m.role === 'assistant' && m.turn_id === sent.turn_id);
  const messages = [...detail.messages];
  if (answer >= 0) {
    messages.splice(answer, 0, mine); // the answer's events beat the POST's reply
  } else {
    messages.push(mine, {
      message_id: `pending-${sent.turn_id}`,
      turn_id: sent.turn_id,
      role: 'assistant',
      text: '',
      status: 'QUEUED',
      created_at: now,
      tool_calls: [],
      attachments: [],
    });
  }
  return { ...detail, messages };
}
