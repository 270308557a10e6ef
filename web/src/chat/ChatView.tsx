/** Chat: the conversation list, the message pane (a log named "Conversation") and the message box. */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import type { Conversation } from '../api/chat';
import { call } from '../api/client';
import { keys, useDatasets } from '../api/queries';
import { useServices } from '../app/context';
import { Loading, Problem } from '../app/feedback';
import { href, useRoute } from '../route';
import { AttachmentView } from './Attachments';
import { isAnswering, type ShownConversation, type ShownMessage } from './events';
import { addSent, useConversation, useConversations } from './queries';

const NEW = 'new';

const newId = () =>
  typeof crypto !== 'undefined' && 'randomUUID' in crypto ? crypto.randomUUID() : `m-${Date.now()}-${Math.random().toString(36).slice(2)}`;

export default function ChatView() {
  const [route, navigate] = useRoute();
  const conversations = useConversations();
  const newest = conversations.data?.items[0]?.conversation_id;
  // "new": a conversation not created yet (it is, with the first message); none chosen: the newest.
  const conversationId = route.conversation === NEW ? undefined : (route.conversation ?? newest);
  return (
    <div className="chat">
      <h1>Chat</h1>
      <div className="chat-layout">
        <ConversationList
          current={conversationId}
          items={conversations.data?.items}
          error={conversations.error}
          retry={() => void conversations.refetch()}
        />
        <ConversationPane
          conversationId={conversationId}
          datasetId={route.dataset}
          onCreated={(id) => navigate({ conversation: id })}
          loadingList={conversations.isPending}
        />
      </div>
    </div>
  );
}

const titleOf = (c: Conversation) => c.title || `Conversation of ${new Date(c.created_at).toLocaleString()}`;

function ConversationList({
  current,
  items,
  error,
  retry,
}: {
  current?: string;
  items?: Conversation[];
  error: unknown;
  retry: () => void;
}) {
  const [, navigate] = useRoute();
  return (
    <nav className="conversations" aria-label="Conversations">
      <button type="button" onClick={() => navigate({ conversation: NEW })} className="new">
        New conversation
      </button>
      {error ? <Problem error={error} retry={retry} /> : null}
      <ul>
        {items?.map((c) => (
          <li key={c.conversation_id}>
            <a href={href({ view: 'chat', conversation: c.conversation_id })} aria-current={c.conversation_id === current ? 'page' : undefined}>
              {titleOf(c)}
            </a>{' '}
            <time dateTime={c.updated_at}>{new Date(c.updated_at).toLocaleString()}</time>
          </li>
        ))}
      </ul>
    </nav>
  );
}

interface PaneProps {
  conversationId?: string;
  datasetId?: string;
  onCreated: (id: string) => void;
  loadingList: boolean;
}

function ConversationPane({ conversationId, datasetId, onCreated, loadingList }: PaneProps) {
  const { api } = useServices();
  const client = useQueryClient();
  const detail = useConversation(conversationId);
  const datasets = useDatasets();
  const [draft, setDraft] = useState('');
  const clientId = useRef(newId()); // one id per draft: a resend after a network error is the same message

  const send = useMutation({
    mutationFn: async (text: string) => {
      let id = conversationId;
      if (!id) {
        const created = await call(api.POST('/conversations', { body: datasetId ? { dataset_id: datasetId } : {} }));
        client.setQueryData<ShownConversation>(keys.conversation(created.conversation_id), { ...created, messages: [], next_token: null });
        id = created.conversation_id;
      }
      const queued = await call(
        api.POST('/conversations/{conversation_id}/messages', {
          params: { path: { conversation_id: id } },
          body: { text, client_message_id: clientId.current },
        }),
      );
      return { id, queued, text };
    },
    onSuccess: ({ id, queued, text }) => {
      client.setQueryData<ShownConversation>(keys.conversation(id), (old) => addSent(old, { ...queued, text }));
      setDraft('');
      clientId.current = newId();
      void client.invalidateQueries({ queryKey: keys.conversations });
      if (id !== conversationId) onCreated(id);
    },
  });

  const answering = isAnswering(detail.data);
  function submit(text: string) {
    const trimmed = text.trim();
    if (!trimmed || send.isPending) return;
    send.mutate(trimmed);
  }
  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      submit(draft);
    }
  }
  const datasetName = datasets.data?.items.find((d) => d.dataset_id === datasetId)?.name;

  return (
    <section className="pane" aria-label="Messages">
      {conversationId && detail.error && !detail.data && <Problem error={detail.error} retry={() => void detail.refetch()} />}
      {conversationId && detail.isPending && <Loading what="the conversation" />}
      {!conversationId && loadingList && <Loading what="your conversations" />}
      <MessageLog
        messages={detail.data?.messages ?? []}
        analysisId={detail.data?.analysis_id}
        onOption={(text) => submit(text)}
        busy={send.isPending}
        intro={
          conversationId
            ? undefined
            : `Ask about your data in plain words, e.g. "run the malaria risk analysis", "what are the top 10 highest risk wards?" or "I have 2 million nets and average household size is 4".${datasetName ? ` This conversation will be about ${datasetName}.` : ''}`
        }
      />
      <form
        className="composer"
        onSubmit={(e: FormEvent) => {
          e.preventDefault();
          submit(draft);
        }}
      >
        <label htmlFor="chat-message">Message</label>
        <textarea
          id="chat-message"
          rows={2}
          maxLength={4000}
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={onKeyDown}
          placeholder="Type a question or a request"
        />
        <button type="submit" disabled={send.isPending || !draft.trim()}>
          Send
        </button>
        {send.error && <Problem error={send.error} />}
        {answering && <p role="status">The assistant is working on it…</p>}
      </form>
    </section>
  );
}

interface LogProps {
  messages: ShownMessage[];
  analysisId?: string | null;
  onOption: (text: string) => void;
  busy: boolean;
  intro?: string;
}

// What each tool does, in the words of the steps list (while it runs, once done): the answer below
// already carries the tool's summary, so a step that went well says only what was done; a failed one says why.
const STEP_WORDS: Record<string, [string, string]> = {
  list_datasets: ['listing your datasets', 'listed your datasets'],
  describe_dataset: ['reading the dataset', 'read the dataset'],
  compute_tpr: ['computing the ward TPR', 'computed the ward TPR'],
  run_analysis: ['starting the analysis', 'started the analysis'],
  analysis_status: ['checking the analysis', 'checked the analysis'],
  top_wards: ['ranking the wards', 'ranked the wards'],
  explain_ward: ['looking into the ward', 'looked into the ward'],
  show_map: ['finding the map', 'found the map'],
  compare_methods: ['comparing the two rankings', 'compared the two rankings'],
  plan_itn: ['planning the nets', 'planned the nets'],
  explain_method: ['explaining the method', 'explained the method'],
  get_report: ['finding the report', 'found the report'],
};

type Step = { name: string; status: string; summary?: string | null };

function stepText(step: Step): string {
  const plain = step.name.replace(/_/g, ' ');
  const [doing, done] = STEP_WORDS[step.name] ?? [plain, plain];
  if (step.status === 'running') return `Working: ${doing}`;
  if (step.status === 'error') return `Failed: ${doing}${step.summary ? ` (${step.summary})` : ''}`;
  return `Done: ${done}`;
}

export function MessageLog({ messages, analysisId, onOption, busy, intro }: LogProps) {
  const log = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (log.current) log.current.scrollTop = log.current.scrollHeight; // the newest in view, the page stays put
  }, [messages]);
  const last = messages[messages.length - 1];
  return (
    <div role="log" aria-label="Conversation" aria-live="polite" className="log" ref={log}>
      {intro && messages.length === 0 && <p className="hint">{intro}</p>}
      {messages.map((m) => (
        <article key={m.message_id} className={`message message-${m.role}`}>
          <h2 className="who">{m.role === 'user' ? 'You' : 'Assistant'}</h2>
          {m.tool_calls && m.tool_calls.length > 0 && (
            <ol className="steps" aria-label="Steps taken">
              {m.tool_calls.map((step, i) => (
                <li key={i} className={`step step-${step.status}`}>
                  {stepText(step)}
                </li>
              ))}
            </ol>
          )}
          {m.progress && m.progress.progress < 100 && (
            <p>
              <progress max={100} value={m.progress.progress} aria-label="Analysis progress in the chat" /> {m.progress.progress}%{' '}
              {m.progress.stage}
            </p>
          )}
          {m.text && <p className="text">{m.text}</p>}
          {m.role === 'assistant' && !m.text && (m.status === 'QUEUED' || m.status === 'RUNNING') && <p className="hint">Thinking…</p>}
          {m.status === 'FAILED' && !m.text && <p className="problem">The assistant could not answer. Send the message again.</p>}
          {m.attachments?.map((a, i) => (
            <AttachmentView
              key={i}
              attachment={a}
              analysisId={analysisId}
              onOption={onOption}
              disabled={busy || m !== last}
            />
          ))}
        </article>
      ))}
    </div>
  );
}
