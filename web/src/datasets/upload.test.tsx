import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeXhr, json, renderInSession } from '../test/fakes';
import DatasetsView from './DatasetsView';
import { UploadForm } from './UploadForm';
import { UploaderProvider } from './uploader';

const csv = new File(['WardCode,WardName,pfpr\nA1,Alpha,0.2\n'], 'Niger_plus.csv', { type: 'text/csv' });
const zip = new File([new Uint8Array(64)], 'Niger_State.zip', { type: 'application/zip' });
const future = new Date(Date.now() + 3600_000).toISOString();
const uploads = {
  dataset_id: 'ds_1',
  status: 'AWAITING_UPLOAD',
  uploads: [
    { role: 'data', url: 'http://s3.test/data', fields: { key: 'data' }, expires_at: future },
    { role: 'boundaries', url: 'http://s3.test/boundaries', fields: { key: 'boundaries' }, expires_at: future },
  ],
};

function renderForm(routes = {}) {
  const created = vi.fn();
  const view = renderInSession(
    <UploaderProvider onCreated={created} sleep={async () => {}}>
      <UploadForm />
    </UploaderProvider>,
    { 'POST /datasets': () => json(uploads, 201), ...routes },
  );
  return { ...view, created };
}

async function choose(name: string, boundaries: File) {
  const user = userEvent.setup();
  await user.type(screen.getByRole('textbox', { name: 'Dataset name' }), name);
  await user.upload(screen.getByLabelText('Ward data'), csv);
  fireEvent.change(screen.getByLabelText('Boundaries'), { target: { files: [boundaries] } });
  await user.click(screen.getByRole('button', { name: 'Upload' }));
}

beforeEach(() => {
  FakeXhr.all = [];
  vi.stubGlobal('XMLHttpRequest', FakeXhr);
});
afterEach(() => vi.unstubAllGlobals());

describe('the upload form', () => {
  it('refuses a PDF as boundaries before sending anything, saying what to choose', async () => {
    const { calls } = renderForm();
    await choose('Niger', new File(['%PDF'], 'Niger.pdf', { type: 'application/pdf' }));
    const problems = within(screen.getByRole('alert')).getAllByRole('listitem'); // a list a screen reader can count
    expect(problems.map((li) => li.textContent)).toEqual([
      'Niger.pdf cannot be used as boundaries: choose the ward shapes: a zipped shapefile (.zip) or GeoJSON (.geojson, .json).',
    ]);
    expect(calls).toHaveLength(0);
    expect(screen.getByRole('textbox', { name: 'Dataset name' })).toHaveValue('Niger'); // kept
  });

  it('creates the dataset, then shows a progress bar per file until each is sent', async () => {
    const { calls, created } = renderForm();
    await choose('Niger', zip);
    await waitFor(() => expect(FakeXhr.all).toHaveLength(2));
    expect(calls[0].body).toEqual({
      name: 'Niger',
      files: [
        { role: 'data', filename: 'Niger_plus.csv', size: csv.size },
        { role: 'boundaries', filename: 'Niger_State.zip', size: zip.size },
      ],
    });
    expect(created).toHaveBeenCalledWith('ds_1');
    const [data, boundaries] = FakeXhr.all;
    act(() => data.progress(csv.size / 2, csv.size));
    expect(screen.getByRole('progressbar', { name: 'Sending Niger_plus.csv' })).toHaveAttribute('value', '50');
    act(() => data.succeed());
    act(() => boundaries.succeed());
    await waitFor(() => expect(screen.queryByRole('progressbar')).toBeNull());
    expect(screen.getByText('Niger_plus.csv').closest('li')).toHaveTextContent('sent');
  });

  it('sends a dropped file again by itself, then lets the person retry it alone', async () => {
    renderForm();
    await choose('Niger', zip);
    await waitFor(() => expect(FakeXhr.all).toHaveLength(2));
    act(() => FakeXhr.all[1].succeed()); // the boundaries arrive
    act(() => FakeXhr.all[0].fail()); // the ward data drops, and again on each of the automatic retries
    await waitFor(() => expect(FakeXhr.all).toHaveLength(3));
    act(() => FakeXhr.all[2].fail());
    await waitFor(() => expect(FakeXhr.all).toHaveLength(4));
    act(() => FakeXhr.all[3].fail());
    const retry = await screen.findByRole('button', { name: 'Retry Niger_plus.csv' });
    expect(screen.getByText(/connection dropped while sending Niger_plus.csv/)).toBeInTheDocument();
    await userEvent.click(retry);
    const again = FakeXhr.all[FakeXhr.all.length - 1];
    expect(again.url).toBe('http://s3.test/data');
    act(() => again.succeed());
    await waitFor(() => expect(screen.queryByRole('button', { name: /Retry/ })).toBeNull());
    expect(within(screen.getByRole('list', { name: 'Files being sent' })).getAllByText('sent')).toHaveLength(2);
  });

  it('keeps the form when the dataset cannot be created, with the reason', async () => {
    renderForm({
      'POST /datasets': () =>
        json({ error: { code: 'too_large', message: 'Niger_State.zip is 60000000 bytes; the limit is 52428800 bytes (50 MB)', details: {} } }, 413),
    });
    await choose('Niger', zip);
    expect(await screen.findByText(/the limit is 52428800 bytes \(50 MB\)\. Choose a smaller file/)).toBeInTheDocument();
    expect(screen.getByRole('textbox', { name: 'Dataset name' })).toHaveValue('Niger');
  });
});

const renewed = (role: string) => ({
  dataset_id: 'ds_1',
  status: 'AWAITING_UPLOAD',
  uploads: [{ role, url: `http://s3.test/${role}-again`, fields: { key: role }, expires_at: future }],
});
const EXPIRED = '<Error><Code>AccessDenied</Code><Message>Invalid according to Policy: Policy expired.</Message></Error>';

describe('an upload whose link expired', () => {
  it('renews the link of that file alone and sends it to the same dataset', async () => {
    const { calls } = renderForm({ 'POST /datasets/{id}/uploads': () => json(renewed('data')) });
    await choose('Niger', zip);
    await waitFor(() => expect(FakeXhr.all).toHaveLength(2));
    act(() => FakeXhr.all[1].succeed()); // the boundaries arrive
    act(() => FakeXhr.all[0].refuse(403, EXPIRED)); // the ward data waited too long on a slow link
    await userEvent.click(await screen.findByRole('button', { name: 'Retry Niger_plus.csv' }));
    await waitFor(() => expect(FakeXhr.all).toHaveLength(3));
    expect(FakeXhr.all[2].url).toBe('http://s3.test/data-again');
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual(['POST /datasets', 'POST /datasets/ds_1/uploads']);
    expect(calls[1].body).toEqual({ files: [{ role: 'data', filename: 'Niger_plus.csv', size: csv.size }] });
    act(() => FakeXhr.all[2].succeed());
    await waitFor(() => expect(screen.queryByRole('button', { name: /Retry/ })).toBeNull());
    expect(within(screen.getByRole('list', { name: 'Files being sent' })).getAllByText('sent')).toHaveLength(2);
  });
});

describe('a dataset opened again after a reload', () => {
  const awaiting = {
    dataset_id: 'ds_1', name: 'Niger', status: 'AWAITING_UPLOAD', errors: [], warnings: [], created_at: '', updated_at: '',
    files: { data: { filename: 'Niger_plus.csv', size: 9, uploaded: true }, boundaries: { filename: 'Niger_State.zip', size: 9, uploaded: false } },
  };

  function renderView(routes = {}) {
    window.location.hash = '#/datasets?dataset=ds_1';
    return renderInSession(
      <UploaderProvider onCreated={() => {}} sleep={async () => {}}>
        <DatasetsView />
      </UploaderProvider>,
      {
        'GET /datasets/{id}': () => json(awaiting),
        'GET /datasets': () => json({ items: [], next_token: null }),
        'POST /datasets/{id}/uploads': () => json(renewed('boundaries')),
        ...routes,
      },
    );
  }

  it('sends only the missing file, chosen again, to the same dataset with its progress', async () => {
    const { calls } = renderView();
    const finish = await screen.findByRole('form', { name: 'Finish the upload' });
    expect(finish).toHaveTextContent('The upload of Niger_State.zip (Boundaries) did not finish.');
    expect(within(finish).queryByLabelText('Ward data')).toBeNull(); // it arrived
    fireEvent.change(within(finish).getByLabelText('Boundaries'), { target: { files: [zip] } });
    await userEvent.click(within(finish).getByRole('button', { name: 'Send the missing files' }));
    await waitFor(() => expect(FakeXhr.all).toHaveLength(1));
    expect(FakeXhr.all[0].url).toBe('http://s3.test/boundaries-again');
    const renewal = calls.filter((c) => c.method === 'POST');
    expect(renewal.map((c) => c.path)).toEqual(['/datasets/ds_1/uploads']);
    expect(renewal[0].body).toEqual({ files: [{ role: 'boundaries', filename: 'Niger_State.zip', size: zip.size }] });
    act(() => FakeXhr.all[0].progress(32, 64));
    expect(screen.getByRole('progressbar', { name: 'Sending Niger_State.zip' })).toHaveAttribute('value', '50');
    act(() => FakeXhr.all[0].fail()); // dropped, and again on each automatic retry
    await waitFor(() => expect(FakeXhr.all).toHaveLength(2));
    act(() => FakeXhr.all[1].fail());
    await waitFor(() => expect(FakeXhr.all).toHaveLength(3));
    act(() => FakeXhr.all[2].fail());
    expect(await screen.findByText('A file did not arrive: press Retry beside it.')).toBeInTheDocument(); // not "Sending"
    await userEvent.click(await screen.findByRole('button', { name: 'Retry Niger_State.zip' }));
    act(() => FakeXhr.all[3].succeed());
    await waitFor(() => expect(screen.getByText('Niger_State.zip').closest('li')).toHaveTextContent('sent'));
    expect(screen.getByText('Your files are sent; waiting for the storage to confirm them…')).toBeInTheDocument();
    expect(screen.getAllByRole('list', { name: 'Files being sent' })).toHaveLength(1); // in the dataset's view only
  });

  it('refuses another kind of file before sending anything, saying what to choose', async () => {
    const { calls } = renderView();
    const finish = await screen.findByRole('form', { name: 'Finish the upload' });
    const geojson = new File(['{}'], 'Niger_State.geojson', { type: 'application/geo+json' });
    fireEvent.change(within(finish).getByLabelText('Boundaries'), { target: { files: [geojson] } });
    await userEvent.click(within(finish).getByRole('button', { name: 'Send the missing files' }));
    expect(within(finish).getByRole('alert')).toHaveTextContent(
      'Niger_State.geojson is not the kind of file this dataset was created with (Niger_State.zip): choose Niger_State.zip again, or upload a new dataset for a different kind of file.',
    );
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(0);
    expect(FakeXhr.all).toHaveLength(0);
  });

  it('says why when the server refuses the new links, with a retry', async () => {
    renderView({
      'POST /datasets/{id}/uploads': () =>
        json({ error: { code: 'conflict', message: 'dataset ds_1 is PROCESSING, no longer waiting for files', details: {} } }, 409),
    });
    const finish = await screen.findByRole('form', { name: 'Finish the upload' });
    fireEvent.change(within(finish).getByLabelText('Boundaries'), { target: { files: [zip] } });
    await userEvent.click(within(finish).getByRole('button', { name: 'Send the missing files' }));
    expect(await screen.findByText(/is PROCESSING, no longer waiting for files/)).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Retry Niger_State.zip' })).toBeInTheDocument();
    expect(FakeXhr.all).toHaveLength(0);
  });
});
