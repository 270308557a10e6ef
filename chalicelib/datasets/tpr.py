"""Ward test positivity rates (TPR) from a dataset's facility export: computed when the
dataset is processed (default options), on request with other options, and for an analysis
that chose options of its own.

The REST path imports this module: pandas, openpyxl, the engine and the models (pydantic)
load only inside the functions that use them. The pure parts (`ward_tpr`, `join_ward_tpr`) take bytes and
return bytes, so the upload processor and the worker can call them too.
"""
import csv
import io
import json

from chalicelib.errors import BadRequest, Conflict
from chalicelib.requests import engine_error, find, parse
from chalicelib.storage.base import StaleTransition, new_id, now_iso
from chalicelib.storage.datasets import INVALID, READY
from chalicelib.storage.objects import content_type, object_key

# The canonical files a ward TPR changes; the others (boundaries, neighbours) stay as uploaded.
JOINED_FILES = ('wards.csv', 'validation.json')
TPR_FILES = ('ward_tpr.csv', 'tpr_series.csv')
WARD_TPR_FIELDS = ('ward_code', 'ward_name', 'lga', 'tpr', 'positives', 'tested', 'facilities', 'periods',
                   'method')
# The engine's refusals of TPR options that only the export can decide (POST /analyses answers them 400).
OPTIONS_THE_EXPORT_DECIDES = ('invalid_option', 'no_tpr_columns', 'no_level_column', 'no_period_column')


def compute_tpr(user_id, dataset_id, body, deps):
    """Ward TPR from the dataset's facility export (role `tpr`) with the chosen options.

    The TPR becomes a variable of the dataset (`u5_tpr_rdt` for under-5 RDT, `tpr`
    otherwise): the canonical ward table is re-written with it, from the files as
    uploaded, so choosing other options later replaces it rather than stacking.
    The per-period series comes back as a 5-minute download link.
    """
    from chalicelib.analysis.errors import DataError
    from chalicelib.datasets.models import ComputeTpr
    options = parse(ComputeTpr, body).model_dump()
    dataset = find(deps.datasets, user_id, dataset_id, 'dataset')
    if dataset['status'] != READY:
        raise Conflict(f'dataset {dataset_id} is {dataset["status"]}; TPR is computed on a READY dataset',
                       {'dataset_id': dataset_id, 'status': dataset['status']})
    if not (dataset.get('files') or {}).get('tpr'):
        raise Conflict(f'dataset {dataset_id} has no facility export: create a dataset that includes one '
                       '(files[].role "tpr", CSV or XLSX)', {'dataset_id': dataset_id, 'field': 'tpr'})
    try:
        result, fields = _store_ward_tpr(user_id, dataset, tpr_base(dataset), options, deps)
    except DataError as error:
        raise engine_error(error) from None
    record = fields['tpr']
    try:
        deps.datasets.set_tpr(user_id, dataset_id, **fields, replacing=dataset['canonical']['wards.csv'])
    except StaleTransition:
        _delete_tpr_files(user_id, dataset_id, record, deps.objects)
        raise
    if dataset.get('tpr'):
        _delete_tpr_files(user_id, dataset_id, dataset['tpr'], deps.objects)
    series = deps.objects.presigned_download(user_id, record['series_key'], 'tpr_series.csv')
    return dict(result['summary'], dataset_id=dataset_id, options=options, warnings=record['warnings'],
                wards=result['wards'], flagged=result['flagged'], series_url=series['url'],
                series_expires_at=series['expires_at'])


def tpr_base(dataset):
    """The canonical files as uploaded (before any ward TPR was joined into them)."""
    return (dataset.get('tpr') or {}).get('base') or dataset['canonical']


def _tpr_inputs(user_id, files, base, upload):
    """The canonical files a ward TPR is joined into, and the facility export (filename, bytes)."""
    return ({name: files.get_object(user_id, base[name]) for name in JOINED_FILES},
            (upload['filename'], files.read_upload(user_id, upload)))


def _store_ward_tpr(user_id, dataset, base, options, deps, warnings=None):
    """Compute the ward TPR of the dataset's facility export over the canonical files `base`
    (keys) and store its files in a folder of their own, so a reader of the dataset as it was
    never gets them; (result, the fields that record it: tpr, canonical, summary and the
    dataset's `warnings` (default its own) with the previous TPR's replaced by this one's).
    Raises the engine's DataError for an export that cannot be used."""
    from chalicelib.analysis import Limits
    upload = dataset['files']['tpr']
    result = ward_tpr(*_tpr_inputs(user_id, deps.objects, base, upload), options, Limits(max_bytes=deps.max_bytes))
    folder = ('tpr', new_id('tpr'))
    keys = {name: deps.objects.put_file(user_id, 'datasets', dataset['dataset_id'], folder + (name,), data,
                                        content_type(name))
            for name, data in result['files'].items()}
    record = dict(result['summary'], options=options, computed_at=now_iso(), base=base,
                  key=keys['ward_tpr.csv'], series_key=keys['tpr_series.csv'],
                  warnings=[f'{upload["filename"]}: {w}' for w in result['warnings']])
    replaced = (dataset.get('tpr') or {}).get('warnings') or ()
    kept = [w for w in (dataset.get('warnings') if warnings is None else warnings) or () if w not in replaced]
    return result, {'tpr': record, 'canonical': dict(base, **{name: keys[name] for name in JOINED_FILES}),
                    'summary': json.loads(result['files']['validation.json'])['summary'],
                    'warnings': kept + record['warnings']}


def _delete_tpr_files(user_id, dataset_id, record, files):
    """Remove the files of the TPR `record` (its folder holds JOINED_FILES and TPR_FILES): the
    ones a refused write left without an owner, or the ones a newly recorded TPR replaced."""
    prefix = object_key(user_id, 'datasets', dataset_id) + '/'
    folder = tuple(record['key'].removeprefix(prefix).split('/')[:-1])
    files.delete_files(user_id, 'datasets', dataset_id, [folder + (name,) for name in JOINED_FILES + TPR_FILES])


def after_upload(user_id, dataset, fields, deps):
    """The upload processor's step before a dataset with a facility export becomes READY:
    (status, fields to write) with the ward TPR of the default options joined, so a READY
    dataset carries `tpr` from the start. `fields` is what the READY transition would write."""
    from chalicelib.analysis.errors import DataError
    from chalicelib.datasets.models import ComputeTpr
    try:
        _, joined = _store_ward_tpr(user_id, dataset, fields['canonical'], ComputeTpr().model_dump(), deps,
                                    fields['warnings'])
    except DataError as error:
        return failed(dataset, fields, error.to_dict())
    return READY, dict(fields, **joined)


def failed(dataset, fields, error):
    """When the facility export gives no TPR: ward data stays usable (READY, with a warning
    saying why); boundaries with only a facility export have nothing to rank (INVALID)."""
    if 'data' not in dataset['files']:
        return INVALID, {'errors': [error]}
    return READY, dict(fields, warnings=list(fields['warnings']) + [
        f'No TPR was computed from the facility export: {error["message"]}'])


def analysis_canonical(user_id, dataset, options, files):
    """The canonical files an analysis that chose its own TPR options ranks: the dataset's
    ward table as uploaded with that ward TPR joined (the dataset itself is not changed)."""
    from chalicelib.analysis import Limits
    # analyses.create refused an analysis with `tpr` on a dataset without a facility export.
    canonical, export = _tpr_inputs(user_id, files, tpr_base(dataset), dataset['files']['tpr'])
    # The upload processor already held the export to the configured size limit.
    result = ward_tpr(canonical, export, options, Limits(max_bytes=max(len(export[1]), 1)))
    return {name: result['files'][name] for name in JOINED_FILES}


def analysis_summary(user_id, dataset, options, files):
    """The dataset summary an analysis with TPR options of its own will rank from: its ward TPR
    is computed now, as the worker will, so options the export cannot give (a level it does not
    record, a period it does not cover, a test it lacks) are refused at POST /analyses naming
    `tpr.<option>` rather than failing in the worker."""
    from chalicelib.analysis.errors import DataError
    try:
        joined = analysis_canonical(user_id, dataset, options, files)
    except DataError as error:
        raise engine_error(error, OPTIONS_THE_EXPORT_DECIDES, 'tpr.') from None
    summary = json.loads(joined['validation.json'])['summary']
    column = tpr_column(options['age'], options['test'])
    tpr = next(v for v in summary['variables'] if v['name'] == column)
    if tpr['missing'] >= summary['wards']:
        raise BadRequest(f'tpr: the facility export gives no ward a TPR with these options (age {options["age"]}, '
                         f'test {options["test"]}, level {options["level"]}, periods {options["period_from"] or "..."}'
                         f' to {options["period_to"] or "..."}): choose options its reports cover.', {'field': 'tpr'})
    return summary


def tpr_column(age, test):
    """The variable a ward TPR becomes: the zone lists' `u5_tpr_rdt` exactly when it is one."""
    return 'u5_tpr_rdt' if (age, test) == ('u5', 'rdt') else 'tpr'


def ward_tpr(canonical, facility_export, options, limits):
    """Pure: the ward TPR of a facility export over a dataset's wards, joined into its canonical files.

    `canonical`: {'wards.csv', 'validation.json': bytes}; `facility_export`: (filename, bytes);
    `options`: age, test, level, period_from, period_to. Returns {files (the joined canonical files
    and TPR_FILES as bytes), summary, wards (rows), flagged (rows), warnings (header repairs first)}.
    """
    from chalicelib.analysis.errors import DataError
    from chalicelib.analysis.tpr import compute_ward_tpr, read_facility_export, write_ward_tpr_csv
    rows = list(csv.DictReader(io.StringIO(canonical['wards.csv'].decode('utf-8'), newline='')))
    table, repairs = read_facility_export(*facility_export, limits)
    try:
        result = compute_ward_tpr(table, wards=[{k: row[k] or None for k in ('ward_code', 'ward_name', 'lga', 'state')}
                                                for row in rows], **options)
    except DataError as error:
        error.file = error.file or facility_export[0]   # the export is what the officer must look at
        raise
    wards = [{k: _plain(row[k]) for k in WARD_TPR_FIELDS} for row in result.wards.to_dict('records')]
    column = tpr_column(options['age'], options['test'])
    files, notes = join_ward_tpr(canonical, wards, column)
    for name, frame in zip(TPR_FILES, (result.wards, result.series)):
        text = io.StringIO()
        write_ward_tpr_csv(frame, text)
        files[name] = text.getvalue().encode('utf-8')
    with_tpr = [w for w in wards if w['tpr'] is not None]
    return {'files': files, 'wards': wards,
            'flagged': [{k: _plain(v) for k, v in row.items()} for row in result.flagged.to_dict('records')],
            'warnings': list(repairs) + list(result.warnings) + notes,
            'summary': {'column': column, 'wards_total': len(wards), 'wards_with_tpr': len(with_tpr),
                        'wards_without_tpr': len(wards) - len(with_tpr), 'flagged_rows': len(result.flagged)}}


def join_ward_tpr(canonical, wards, column):
    """Pure: the canonical `wards.csv` and `validation.json` with the ward TPR as variable
    `column`, and the warnings the dataset must show.

    Joined by ward code; a ward without a TPR (or without a code) stays missing,
    never 0. A column of that name in the ward data is replaced, with a warning.
    """
    import numpy as np
    from chalicelib.analysis.dataset import variable_summary
    tpr = {w['ward_code']: w['tpr'] for w in wards if w['ward_code'] is not None}
    table = list(csv.reader(io.StringIO(canonical['wards.csv'].decode('utf-8'), newline='')))
    header, rows = table[0], table[1:]
    validation = json.loads(canonical['validation.json'])
    notes = []
    code = header.index('ward_code')
    values = [tpr.get(row[code]) if row[code] else None for row in rows]
    cells = ['' if v is None else repr(float(v)) for v in values]
    summary = variable_summary(column, np.array([np.nan if v is None else v for v in values], dtype=float))
    variables = [v for v in validation['summary'].get('variables') or () if v['name'] != column]
    if column in header:
        at = header.index(column)
        rows = [row[:at] + [cell] + row[at + 1:] for row, cell in zip(rows, cells)]
        notes.append(f'The {column} column of the ward data was replaced by the TPR computed from the facility '
                     'export.')
        validation['warnings'] = list(validation.get('warnings') or ()) + notes
    else:
        header = header + [column]
        rows = [row + [cell] for row, cell in zip(rows, cells)]
        validation['variables'] = list(validation['variables']) + [column]
    validation['summary'] = dict(validation['summary'], variables=variables + [summary])
    out = io.StringIO()
    csv.writer(out, lineterminator='\n').writerows([header] + rows)
    return {'wards.csv': out.getvalue().encode('utf-8'),
            'validation.json': json.dumps(validation, allow_nan=False).encode('utf-8')}, notes


def _plain(value):
    """pandas/numpy cells as JSON values: NaN and None as None, numpy numbers as Python ones."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    return value.item() if hasattr(value, 'item') else value
