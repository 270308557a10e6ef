"""Programme planning on the caller's own results: bed-net (ITN) plans of a finished
analysis, and ward test positivity rates (TPR) from a dataset's facility export.

The REST path imports this module: pandas, openpyxl and the engine load only
inside the functions that compute. The pure parts (`plan_files`, `ward_tpr`,
`join_ward_tpr`) take bytes and return bytes, so the upload processor and the
worker can call them too.
"""
import csv
import io
import json
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, field_validator

from chalicelib.aws import client
from chalicelib.errors import BadRequest, Conflict, InvalidData
from chalicelib.services import owned
from chalicelib.services.uploads import content_type
from chalicelib.services.validation import parse
from chalicelib.services.worker import drawing_options
from chalicelib.storage.analyses import SUCCEEDED, Analyses
from chalicelib.storage.base import StaleTransition, new_id, now_iso
from chalicelib.storage.datasets import INVALID, READY, Datasets
from chalicelib.storage.objects import Objects, object_key

RANKINGS = 'rankings.json'
JSON_TYPE = 'application/json'
XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
HTML = 'text/html; charset=utf-8'
# Each file of a plan: its name under the plan's folder and its artifact name ({} = plan id).
PLAN_FILES = (('plan.json', 'itn-plan-{}.json'), ('plan.csv', 'itn-plan-{}.csv'),
              ('plan.xlsx', 'itn-plan-{}.xlsx'), ('coverage_map.html', 'itn-coverage-{}.html'))
# The canonical files a ward TPR changes; the others (boundaries, neighbours) stay as uploaded.
JOINED_FILES = ('wards.csv', 'validation.json')
TPR_FILES = ('ward_tpr.csv', 'tpr_series.csv')
WARD_TPR_FIELDS = ('ward_code', 'ward_name', 'lga', 'tpr', 'positives', 'tested', 'facilities', 'periods',
                   'method')
# An engine option error names the option as the engine calls it; the API names the body field.
# The engine's refusals of TPR options that only the export can decide (POST /analyses answers them 400).
OPTIONS_THE_EXPORT_DECIDES = ('invalid_option', 'no_tpr_columns', 'no_level_column', 'no_period_column')
OPTION_FIELDS = MappingProxyType({'from': 'period_from', 'to': 'period_to', 'period': 'period_from'})
NO_POPULATION = ('The dataset of this analysis has no ward population, so no bed-net plan can be made '
                 '(a number is never invented). Create a dataset that includes a population file (role '
                 '"population", columns WardCode and population) or ward data with a population column, '
                 'run the analysis again and plan on it.')


class CreateItnPlan(BaseModel):
    model_config = ConfigDict(extra='forbid', strict=True)
    total_nets: int = Field(ge=0, le=1_000_000_000)
    household_size: float = Field(default=5, gt=0, le=100)
    urban_threshold: float = Field(default=75, ge=0, le=100)
    method: Literal['composite', 'pca'] = 'composite'


class ComputeTpr(BaseModel):
    model_config = ConfigDict(extra='forbid', strict=True)
    age: Literal['all', 'u5', 'o5', 'pw'] = 'all'
    test: Literal['both', 'rdt', 'microscopy'] = 'both'
    level: Literal['all', 'primary', 'secondary', 'tertiary'] = 'all'
    period_from: Optional[str] = Field(default=None, min_length=1, max_length=32)
    period_to: Optional[str] = Field(default=None, min_length=1, max_length=32)

    @field_validator('period_from', 'period_to')
    @classmethod
    def _period(cls, value, info):
        """Checked when asked (POST /datasets/{id}/tpr or an analysis's `tpr`), not when the export is read."""
        if value is not None:
            from chalicelib.analysis.errors import DataError
            from chalicelib.analysis.periods import parse_period
            try:
                period = parse_period(value, info.field_name)
            except DataError as error:
                raise ValueError(error.message) from None
            start = info.data.get('period_from')
            if info.field_name == 'period_to' and start and parse_period(start).first > period.last:
                raise ValueError(f'the period range starts ({start}) after it ends ({value})')
        return value


@dataclass(frozen=True)
class ProgrammeDeps:
    analyses: Analyses
    datasets: Datasets
    files: Objects          # derived files live under an analysis's or a dataset's own prefix
    max_bytes: int

    @classmethod
    def from_stores(cls, stores, s):
        return cls(analyses=stores.analyses, datasets=stores.datasets,
                   files=Objects(s.data_bucket, client('s3', s.region)), max_bytes=s.max_upload_bytes)

    @classmethod
    def from_upload_deps(cls, deps):
        """What the upload processor has: datasets and files (a TPR needs no analyses)."""
        return cls(analyses=None, datasets=deps.datasets, files=deps.files, max_bytes=deps.max_bytes)


def _engine_error(error, option_codes=('invalid_option',), prefix=''):
    """A DataError as the API answers it: a bad option is the request's fault (400 naming
    the field, under `prefix`), anything else is the data's (422 naming file, row and column)."""
    if error.code in option_codes:
        return BadRequest(error.message, {'field': prefix + OPTION_FIELDS.get(error.column, error.column)})
    return InvalidData(error.message, error.to_dict())


# --- ITN plans ----------------------------------------------------------------------

def create_itn_plan(user_id, analysis_id, body, deps):
    """A bed-net plan on a SUCCEEDED analysis's ranking, stored and listed under it.

    The preset is the analysis's own, so a legacy analysis plans the legacy way.
    Files are written first and registered with the plan in one conditional write:
    an analysis deleted meanwhile gets no plan (409) and its files are removed again.
    """
    from chalicelib.analysis.errors import DataError
    from chalicelib.analysis.itn import plan_itn
    request = parse(CreateItnPlan, body)
    item = owned.find(deps.analyses, user_id, analysis_id, 'analysis')
    ranking = (item.get('artifacts') or {}).get(RANKINGS)
    if item['status'] != SUCCEEDED or ranking is None:
        raise Conflict(f'analysis {analysis_id} is {item["status"]}; a bed-net plan needs a SUCCEEDED '
                       'analysis', {'analysis_id': analysis_id, 'status': item['status']})
    population = _dataset_population(user_id, item['dataset_id'], deps)
    # The worker keeps the engine's whole result: the ranking and the wards to map.
    result = json.loads(deps.files.get_object(
        user_id, object_key(user_id, 'analyses', analysis_id, 'work', 'result.json')))
    _check_ranked_by(result['rankings'], request.method)
    try:
        plan = plan_itn(result['rankings'], population,
                        request.total_nets, request.household_size, request.urban_threshold,
                        preset=(item.get('request') or {}).get('preset') or 'default', method=request.method)
    except DataError as error:
        raise _engine_error(error) from None
    plan_id, created_at = new_id('plan'), now_iso()
    artifacts = {}
    for (name, artifact), (data, ctype) in zip(PLAN_FILES, plan_files(plan, result, drawing_options(item))):
        key = deps.files.put_file(user_id, 'analyses', analysis_id, ('itn-plans', plan_id, name), data, ctype)
        artifacts[artifact.format(plan_id)] = {'key': key, 'content_type': ctype, 'size': len(data)}
    summary = {'plan_id': plan_id, 'created_at': created_at, 'method': plan['method'], 'preset': plan['preset'],
               'total_nets': request.total_nets, 'household_size': request.household_size,
               'urban_threshold': request.urban_threshold, 'totals': plan['totals'],
               'artifacts': sorted(artifacts)}
    try:
        deps.analyses.add_itn_plan(user_id, analysis_id, summary, artifacts)
    except StaleTransition:
        deps.files.delete_files(user_id, 'analyses', analysis_id,
                                [('itn-plans', plan_id, name) for name, _ in PLAN_FILES])
        raise
    return dict(plan, plan_id=plan_id, created_at=created_at, artifacts=sorted(artifacts))


def _check_ranked_by(rankings, method):
    """A plan follows a ranking the analysis made: a PCA-only analysis (or one whose PCA did not
    run) is refused naming `method` and the method that has a ranking, not failed ward by ward."""
    if any(ward.get(f'{method}_rank') is not None for ward in rankings):
        return
    other = 'pca' if method == 'composite' else 'composite'
    hint = f'; plan with "method": "{other}"' if any(ward.get(f'{other}_rank') is not None for ward in rankings) else ''
    raise BadRequest(f'method: this analysis has no {method} ranking{hint}.', {'field': 'method'})


def list_itn_plans(user_id, analysis_id, analyses):
    """The analysis's plans, oldest first, as summaries (the rows are in each plan's files)."""
    return {'items': owned.find(analyses, user_id, analysis_id, 'analysis').get('itn_plans') or []}


def _dataset_population(user_id, dataset_id, deps):
    dataset = deps.datasets.get(user_id, dataset_id) if dataset_id else None
    key = ((dataset or {}).get('canonical') or {}).get('wards.csv')
    if not dataset or dataset.get('status') != READY or key is None:
        raise Conflict(f'the dataset {dataset_id} of this analysis was deleted or is being replaced, and the '
                       'ward population comes from it: upload the data again and run a new analysis',
                       {'dataset_id': dataset_id})
    from chalicelib.analysis.dataset import canonical_population
    population = canonical_population(deps.files.get_object(user_id, key))
    if not population:
        raise InvalidData(NO_POPULATION, {'field': 'population', 'dataset_id': dataset_id})
    return population


def plan_files(plan, result, options=None):
    """The plan as (bytes, content type) for each of PLAN_FILES: JSON, CSV, XLSX and its
    coverage map on the wards of the analysis `result` it was made from, drawn with the
    analysis's drawing `options` (an offline analysis's map embeds plotly.js)."""
    from chalicelib.analysis.itn import PLAN_COLUMNS, write_plan_csv
    from chalicelib.reports.exports import xlsx_cell
    from chalicelib.viz import coverage_map
    from openpyxl import Workbook
    text = io.StringIO()
    write_plan_csv(plan, text)
    book = Workbook(write_only=True)
    sheets = (('ITN plan', PLAN_COLUMNS, ([row[c] for c in PLAN_COLUMNS] for row in plan['rows'])),
              ('Totals', ('total', 'value'), _flat(plan['totals'])),
              ('Warnings', ('warning',), ([w] for w in plan['warnings'])))
    for title, header, rows in sheets:
        sheet = book.create_sheet(title)
        sheet.append(list(header))
        for row in rows:
            sheet.append([xlsx_cell(value) for value in row])
    xlsx = io.BytesIO()
    book.save(xlsx)
    return ((json.dumps(plan, allow_nan=False).encode(), JSON_TYPE),
            (text.getvalue().encode('utf-8'), content_type('.csv')),
            (xlsx.getvalue(), XLSX),
            (coverage_map(result, plan, options), HTML))


def _flat(totals, prefix=''):
    for name, value in totals.items():
        if isinstance(value, dict):
            yield from _flat(value, f'{prefix}{name}.')
        else:
            yield [f'{prefix}{name}', value]


# --- TPR ----------------------------------------------------------------------------

def compute_tpr(user_id, dataset_id, body, deps):
    """Ward TPR from the dataset's facility export (role `tpr`) with the chosen options.

    The TPR becomes a variable of the dataset (`u5_tpr_rdt` for under-5 RDT, `tpr`
    otherwise): the canonical ward table is re-written with it, from the files as
    uploaded, so choosing other options later replaces it rather than stacking.
    The per-period series comes back as a 5-minute download link.
    """
    from chalicelib.analysis.errors import DataError
    options = parse(ComputeTpr, body).model_dump()
    dataset = owned.find(deps.datasets, user_id, dataset_id, 'dataset')
    if dataset['status'] != READY:
        raise Conflict(f'dataset {dataset_id} is {dataset["status"]}; TPR is computed on a READY dataset',
                       {'dataset_id': dataset_id, 'status': dataset['status']})
    if not (dataset.get('files') or {}).get('tpr'):
        raise Conflict(f'dataset {dataset_id} has no facility export: create a dataset that includes one '
                       '(files[].role "tpr", CSV or XLSX)', {'dataset_id': dataset_id, 'field': 'tpr'})
    try:
        result, fields = _store_ward_tpr(user_id, dataset, tpr_base(dataset), options, deps)
    except DataError as error:
        raise _engine_error(error) from None
    record = fields['tpr']
    try:
        deps.datasets.set_tpr(user_id, dataset_id, **fields, replacing=dataset['canonical']['wards.csv'])
    except StaleTransition:
        _delete_tpr_files(user_id, dataset_id, record, deps.files)
        raise
    if dataset.get('tpr'):
        _delete_tpr_files(user_id, dataset_id, dataset['tpr'], deps.files)
    series = deps.files.presigned_download(user_id, record['series_key'], 'tpr_series.csv')
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
    result = ward_tpr(*_tpr_inputs(user_id, deps.files, base, upload), options, Limits(max_bytes=deps.max_bytes))
    folder = ('tpr', new_id('tpr'))
    keys = {name: deps.files.put_file(user_id, 'datasets', dataset['dataset_id'], folder + (name,), data,
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


def tpr_after_upload(user_id, dataset, fields, deps):
    """The upload processor's step before a dataset with a facility export becomes READY:
    (status, fields to write) with the ward TPR of the default options joined, so a READY
    dataset carries `tpr` from the start. `fields` is what the READY transition would write."""
    from chalicelib.analysis.errors import DataError
    try:
        _, joined = _store_ward_tpr(user_id, dataset, fields['canonical'], ComputeTpr().model_dump(), deps,
                                    fields['warnings'])
    except DataError as error:
        return tpr_failed(dataset, fields, error.to_dict())
    return READY, dict(fields, **joined)


def tpr_failed(dataset, fields, error):
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
        raise _engine_error(error, OPTIONS_THE_EXPORT_DECIDES, 'tpr.') from None
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
