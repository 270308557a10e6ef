import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { ChatEvent } from '../api/chat';
import { renderInSession } from '../test/fakes';
import { drawnMap } from './Attachments';
import { MessageLog } from './ChatView';
import { applyChatEvent, isAnswering, type ShownConversation } from './events';
import { addSent } from './queries';

const empty: ShownConversation = {
  conversation_id: 'cv_1',
  title: 'Niger',
  dataset_id: 'ds_1',
  analysis_id: 'an_1',
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
  next_token: null,
  messages: [],
};
const event = (e: Partial<ChatEvent>): ChatEvent => ({ type: 'chat', conversation_id: 'cv_1', turn_id: 't1', event: 'started', ...e });

describe('chat events', () => {
  it('show the turn as it happens: started, each tool step, then the whole message', () => {
    let detail = addSent(empty, { message_id: 'm1', turn_id: 't1', text: 'top 5 wards' });
    expect(isAnswering(detail)).toBe(true);
    detail = applyChatEvent(detail, event({ event: 'started' }));
    detail = applyChatEvent(detail, event({ event: 'tool', name: 'top_wards', status: 'running', input: { n: 5 } }));
    expect(detail!.messages[1].tool_calls).toEqual([{ name: 'top_wards', status: 'running', input: { n: 5 }, summary: undefined }]);
    detail = applyChatEvent(detail, event({ event: 'tool', name: 'top_wards', status: 'ok', summary: 'The 5 most vulnerable wards.' }));
    expect(detail!.messages[1].tool_calls).toHaveLength(1);
    expect(detail!.messages[1].tool_calls![0].status).toBe('ok');
    detail = applyChatEvent(
      detail,
      event({
        event: 'message',
        message: { message_id: 'm2', turn_id: 't1', role: 'assistant', text: 'Here they are.', status: 'DONE', created_at: '' },
      }),
    );
    expect(detail!.messages.map((m) => [m.role, m.text])).toEqual([
      ['user', 'top 5 wards'],
      ['assistant', 'Here they are.'],
    ]);
    expect(isAnswering(detail)).toBe(false);
  });

  it('put the question before its answer when the answer arrived before the POST returned', () => {
    let detail = applyChatEvent(empty, event({ event: 'started' }));
    detail = addSent(detail, { message_id: 'm1', turn_id: 't1', text: 'hello' });
    expect(detail!.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
  });

  it("follow an analysis started from the chat on one line until its closing message", () => {
    expect(applyChatEvent(empty, event({ conversation_id: 'cv_2', event: 'started' }))).toBe(empty);
    const delta = (progress: number, text: string) =>
      event({ event: 'delta', turn_id: null, analysis_id: 'an_2', stage: 'score', progress, text });
    let detail = applyChatEvent(empty, delta(45, 'Scoring and ranking the wards'));
    detail = applyChatEvent(detail, delta(10, 'late'));
    expect(detail!.messages).toHaveLength(1);
    expect(detail!.messages[0].progress).toEqual({ analysis_id: 'an_2', stage: 'late', progress: 45 });
    detail = applyChatEvent(
      detail,
      event({
        event: 'message',
        turn_id: null,
        message: { message_id: 'm9', turn_id: null, role: 'assistant', text: 'The malaria risk analysis an_2 has finished.', created_at: '' },
      }),
    );
    expect(detail!.messages.map((m) => m.text)).toEqual(['The malaria risk analysis an_2 has finished.']);
  });

  it('turn an error into a failed answer that says so', () => {
    const detail = applyChatEvent(empty, event({ event: 'error', message_id: 'm2', error: 'The assistant is busy: try again in a minute.' }));
    expect(detail!.messages[0]).toMatchObject({ status: 'FAILED', text: 'The assistant is busy: try again in a minute.' });
  });
});

describe('the message pane', () => {
  it('shows messages, tool steps, tables and option buttons in the "Conversation" log', async () => {
    const onOption = vi.fn();
    renderInSession(
      <MessageLog
        busy={false}
        onOption={onOption}
        messages={[
          { message_id: 'm1', turn_id: 't1', role: 'user', text: 'start the tpr workflow', created_at: '' },
          {
            message_id: 'm2',
            turn_id: 't1',
            role: 'assistant',
            status: 'DONE',
            created_at: '',
            text: 'Which facility level?',
            tool_calls: [{ name: 'top_wards', status: 'ok', summary: 'Ranked 275 wards.' }],
            attachments: [
              { kind: 'table', title: 'Top wards', columns: ['ward_name', 'lga'], rows: [{ ward_name: 'Manta', lga: 'Shiroro', ward_code: 'X' }] },
              { kind: 'options', options: ['primary', 'secondary'] },
            ],
          },
        ]}
      />,
    );
    const log = screen.getByRole('log', { name: 'Conversation' });
    expect(within(log).getByText('Which facility level?')).toBeInTheDocument();
    expect(within(log).getByRole('list', { name: 'Steps taken' })).toHaveTextContent('Done: ranked the wards');
    expect(within(log).getByRole('list', { name: 'Steps taken' })).not.toHaveTextContent('Ranked 275 wards.');
    const table = within(log).getByRole('table', { name: 'Top wards' });
    expect(within(table).getAllByRole('columnheader').map((h) => h.textContent)).toEqual(['Ward name', 'LGA']);
    expect(within(table).getByText('Manta')).toBeInTheDocument();
    await userEvent.click(within(log).getByRole('button', { name: 'secondary' }));
    expect(onOption).toHaveBeenCalledWith('secondary');
  });

  it('says what a failed step could not do and why', () => {
    render(
      <MessageLog
        busy={false}
        onOption={() => {}}
        messages={[{ message_id: 'f', turn_id: 't2', role: 'assistant', status: 'DONE', text: 'No such ward.', created_at: '',
          tool_calls: [{ name: 'explain_ward', status: 'error', summary: 'ward: no ward named Zzz here.' }] }]}
      />,
    );
    expect(screen.getByText('Failed: looking into the ward (ward: no ward named Zzz here.)')).toBeInTheDocument();
  });

  it('says the assistant is working while the answer is not in', () => {
    render(
      <MessageLog
        busy={false}
        onOption={() => {}}
        messages={[{ message_id: 'p', turn_id: 't1', role: 'assistant', status: 'RUNNING', text: '', created_at: '', tool_calls: [{ name: 'run_analysis', status: 'running' }] }]}
      />,
    );
    expect(screen.getByText('Working: starting the analysis')).toBeInTheDocument();
    expect(screen.getByText('Thinking…')).toBeInTheDocument();
  });
});

describe('map attachments', () => {
  it('are drawn in the app when it can draw them from the shapes, else only linked', () => {
    expect(drawnMap('vulnerability_map.html')).toEqual({ kind: 'vulnerability' });
    expect(drawnMap('pca_map.html')).toEqual({ kind: 'vulnerability', method: 'pca' });
    expect(drawnMap('itn-coverage-plan_01.html')).toEqual({ kind: 'coverage', plan: 'plan_01' });
    expect(drawnMap('urban_map.html')).toBeUndefined();
  });
});
