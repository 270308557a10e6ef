"""The one tool registry of the chat: for each tool, a pydantic input model (its JSON schema is
what a model sees), a description, and an adapter over the service the REST route of the
same capability calls.

A tool takes the caller's identity from the session, never from its input: every id the
input names goes through the service with the session's user id, so an id the caller does
not own is "not found", exactly as in REST. Omitted ids are the conversation's.
"""
import json
import statistics
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Annotated, Any, Callable, List, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.analyses import itn_plans, models as analysis_models, requests as analyses
from chalicelib.analyses.stages import STAGES
from chalicelib.conversations import language
from chalicelib.conversations.assistant import TABLE_ROWS, TOP_WARDS, ToolResult, ToolSpec
from chalicelib.datasets import models as dataset_models, requests as datasets, tpr
from chalicelib.errors import ApiError, BadRequest, Conflict, NotFound
from chalicelib.requests import parse
from chalicelib.storage.analyses import FAILED, SUCCEEDED
from chalicelib.storage.datasets import READY
from chalicelib.storage.objects import object_key

CONTENT_ROWS = 10     # rows a model reads back in `content`
LIST_NAMES = 8        # names a summary or an error lists before "..."
STAGE_MESSAGES = MappingProxyType({stage.name: stage.message for stage in STAGES})
METHOD_NAMES = MappingProxyType({'composite': 'composite score', 'pca': 'PCA score'})
MAPS = MappingProxyType({'vulnerability': 'vulnerability_map.html', 'pca': 'pca_map.html',
                         'variable': 'variable_maps.html', 'urban': 'urban_map.html'})
MAP_TITLES = MappingProxyType({'vulnerability_map.html': 'Vulnerability', 'pca_map.html': 'Vulnerability by PCA',
                               'variable_maps.html': 'Variables', 'urban_map.html': 'Urban extent'})
REPORT_FILES = ('report.html', 'rankings.xlsx', 'rankings.csv', 'wards.geojson')
NO_ID = MappingProxyType({
    'dataset_id': 'this conversation has no dataset yet; upload ward data and boundaries, or name one of your '
                  'datasets (list them with list_datasets).',
    'analysis_id': 'this conversation has no analysis yet; run the malaria risk analysis first.'})


@dataclass(frozen=True)
class ToolSession:
    """Who calls, from which conversation: the only source of identity and default ids."""
    user_id: str
    conversation_id: str
    turn_id: str
    conversation: dict      # the header: dataset_id, analysis_id
    deps: Any


@dataclass(frozen=True)
class Done:
    """What an adapter answers; `invoke` makes it the call's ToolResult."""
    summary: str
    content: dict
    attachments: tuple = ()
    bound: dict = field(default_factory=dict)


def _option(model, name):
    """The type of a service model's field, so a tool offers exactly the choices the service takes."""
    return model.model_fields[name].annotation


DatasetId = Annotated[Optional[str], Field(
    description="The dataset's id; leave it out for the dataset this conversation works on.")]
AnalysisId = Annotated[Optional[str], Field(
    description="The analysis's id; leave it out for this conversation's latest analysis.")]
RankedBy = _option(analysis_models.CreateItnPlan, 'method')


class ToolInput(BaseModel):
    model_config = ConfigDict(extra='forbid')


class ListDatasets(ToolInput):
    """The user's datasets, newest first: name, status and number of wards."""


class DescribeDataset(ToolInput):
    """A dataset's summary: its wards, how they matched the boundaries, its variables and warnings."""
    dataset_id: DatasetId = None


class ComputeTpr(ToolInput):
    """Ward test positivity rates (TPR) from the dataset's facility export (DHIS2). It needs the
    age group and the facility level: ask the user for them when they did not say."""
    dataset_id: DatasetId = None
    age_group: _option(dataset_models.ComputeTpr, 'age') = Field(
        description='u5: children under five; o5: five and over (not pregnant women); pw: pregnant women; all.')
    facility_level: _option(dataset_models.ComputeTpr, 'level') = Field(
        description='The facilities whose reports count.')
    test: Optional[_option(dataset_models.ComputeTpr, 'test')] = Field(
        None, description='RDT, microscopy, or both (the higher TPR of the two per ward); default both.')
    period_from: Optional[str] = Field(None, description='The first period to count, e.g. 2024-01.')
    period_to: Optional[str] = Field(None, description='The last period to count, e.g. 2024-12.')


class RunAnalysis(ToolInput):
    """Start the malaria risk analysis (composite score and PCA ranking of the wards) on a dataset.
    It runs for a minute or so; its progress appears in the conversation."""
    dataset_id: DatasetId = None
    method: Optional[_option(analysis_models.CreateAnalysis, 'method')] = Field(
        None, description='composite, pca or both (default both).')
    variables: Optional[List[str]] = Field(
        None, min_length=1, max_length=10,
        description="The dataset's variables to rank on; leave it out for the ones chosen for the state.")
    preset: Optional[_option(analysis_models.CreateAnalysis, 'preset')] = Field(
        None, description="default, or mrpt-legacy for the old tool's rules.")


class AnalysisStatus(ToolInput):
    """Where an analysis is: status, stage, progress, and the error when it failed."""
    analysis_id: AnalysisId = None


class TopWards(ToolInput):
    """The most (or least) vulnerable wards of a finished analysis, as a ranked table."""
    analysis_id: AnalysisId = None
    n: int = Field(TOP_WARDS, ge=1, le=TABLE_ROWS, description='How many wards.')
    method: RankedBy = Field('composite', description='The ranking: composite score or PCA.')
    lga: Optional[str] = Field(None, description='Only the wards of this LGA (its name).')
    order: Literal['most', 'least'] = Field('most', description='most or least vulnerable first.')


class ExplainWard(ToolInput):
    """Why a ward ranks where it does: its values against the state median, which were
    imputed, its rank under each method and how much its rank depends on the variables chosen."""
    analysis_id: AnalysisId = None
    ward: str = Field(min_length=1, max_length=200, description="The ward's name or code.")


class ShowMap(ToolInput):
    """A map of a finished analysis, as a link valid for 5 minutes."""
    analysis_id: AnalysisId = None
    kind: Literal['vulnerability', 'pca', 'variable', 'urban', 'itn'] = Field(
        description='vulnerability (the ranking), pca, variable (a variable\'s values), urban (urban extent) '
                    'or itn (the latest bed-net plan\'s coverage).')
    method: Optional[RankedBy] = Field(None, description='For the vulnerability map: composite or pca.')
    variable: Optional[str] = Field(None, description='For the variable map: the variable to show.')


class CompareMethods(ToolInput):
    """How far the composite and PCA rankings agree, and the wards that move most between them."""
    analysis_id: AnalysisId = None


class PlanItn(analysis_models.CreateItnPlan):
    """A bed-net (ITN) distribution plan over a finished analysis's ranking: the most vulnerable
    rural wards first, then urban ones. It needs the total number of nets: ask when not given."""
    model_config = ConfigDict(extra='forbid', strict=False)
    analysis_id: AnalysisId = None


class ExplainMethod(ToolInput):
    """How the analysis works, in plain words: scores, PCA, imputation, TPR or ITN plans."""
    topic: Optional[Literal['scores', 'pca', 'imputation', 'tpr', 'itn']] = Field(
        None, description='Leave it out for an overview of all of them.')


class GetReport(ToolInput):
    """A finished analysis's report and its downloads (rankings spreadsheet and CSV, ward GeoJSON),
    as links valid for 5 minutes."""
    analysis_id: AnalysisId = None


# -- ids, names and numbers ------------------------------------------------------------------------

def _id(request, session, name):
    """The dataset_id or analysis_id the input names, else the conversation's; without one of the
    conversation's, the latest analysis of its dataset (one started in the web app, say)."""
    chosen = getattr(request, name) or session.conversation.get(name)
    if not chosen and name == 'analysis_id' and session.conversation.get('dataset_id'):
        newest = analyses.list_page(session.user_id, {}, session.deps)['items']
        chosen = next((a['analysis_id'] for a in newest if a['dataset_id'] == session.conversation['dataset_id']),
                      None)
    if not chosen:
        raise BadRequest(f'{name}: {NO_ID[name]}', {'field': name})
    return chosen


def _bound(session, name, chosen):
    """What the conversation works on from now: `chosen` when it is not the conversation's already."""
    return {name: chosen} if chosen != session.conversation.get(name) else {}


def _named(found, text, candidates, what, field_name):
    """`found`, the name language.py read `text` as (case- and punctuation-blind, typos within ward
    matching's fuzzy rule); a 400 naming the field and the choices when it read none."""
    if found is not None:
        return found
    choices = _listed(sorted(set(candidates)))
    raise BadRequest(f'{field_name}: no {what} named {text!r} here; the {what}s are {choices}.', {'field': field_name})


def _listed(names, limit=LIST_NAMES):
    names = [str(n) for n in names]
    return ', '.join(names[:limit]) + (f' and {len(names) - limit} more' if len(names) > limit else '')


def _number(value):
    """A number as a person reads it: 2,000,000; 45.2; 0.643."""
    if value is None:
        return 'missing'
    if float(value).is_integer() and abs(value) >= 1:
        return f'{int(value):,}'
    return f'{value:,.0f}' if abs(value) >= 1000 else f'{value:.3g}'


def _count(n, noun):
    return f'{n} {noun}{"" if n == 1 else "s"}'


def _percent(share):
    return f'{100 * share:.0f}%'


def _link(session, analysis_id, name, kind, **extra):
    """An attachment with a 5-minute link to one of the analysis's files."""
    url = analyses.artifact(session.user_id, analysis_id, name, session.deps)['url']
    return dict({'kind': kind, 'name': name, 'url': url}, **extra)


def _table(title, rows):
    """A table attachment: the first TABLE_ROWS rows (the title says when there are more)."""
    if len(rows) > TABLE_ROWS:
        title = f'{title} (the first {TABLE_ROWS} of {len(rows)})'
    return {'kind': 'table', 'title': title, 'columns': list(rows[0]) if rows else [], 'rows': rows[:TABLE_ROWS]}


def _ward_label(row):
    return f'{row["ward_name"]} ({row["lga"]})' if row.get('lga') else row['ward_name']


# -- reading a finished analysis -------------------------------------------------------------------

def _finished(session, analysis_id, what):
    """The caller's analysis item once it has SUCCEEDED; 404 or 409 as REST answers."""
    item = analyses.find(session.user_id, analysis_id, session.deps)
    if item['status'] != SUCCEEDED:
        raise Conflict(f'analysis {analysis_id} is {item["status"]}; {what} ready when it has SUCCEEDED '
                       '(ask for its status).', {'analysis_id': analysis_id, 'status': item['status']})
    return item


def _artifact_json(session, item, name):
    return json.loads(session.deps.objects.get_object(session.user_id, item['artifacts'][name]['key']))


def _ranking(session, analysis_id):
    """Every ward of the analysis in rank order, as GET .../rankings serves it (one read)."""
    return analyses.ranking(session.user_id, analysis_id, session.deps)


def _ranked_by(wards, method):
    ranked = sorted((w for w in wards if w.get(f'{method}_rank') is not None), key=lambda w: w[f'{method}_rank'])
    if not ranked:
        raise BadRequest(f'method: this analysis has no {method} ranking; ask with the other method.',
                         {'field': 'method'})
    return ranked


# -- the adapters ----------------------------------------------------------------------------------

def list_datasets(request, session):
    items = datasets.list_page(session.user_id, {}, session.deps)['items']
    rows = [{'dataset_id': d['dataset_id'], 'name': d['name'], 'status': d['status'],
             'wards': (d.get('summary') or {}).get('wards'), 'created_at': d['created_at']} for d in items]
    if not rows:
        return Done('You have no datasets yet: upload ward data and boundaries to start.', {'datasets': []})
    listed = _listed([f'{r["name"]} ({r["status"]}, {r["wards"] or "no"} wards)' for r in rows])
    return Done(f'You have {_count(len(rows), "dataset")}: {listed}.',
                {'datasets': rows[:CONTENT_ROWS], 'count': len(rows)},
                (_table('Your datasets', rows),))


def describe_dataset(request, session):
    dataset_id = _id(request, session, 'dataset_id')
    dataset = datasets.get(session.user_id, dataset_id, session.deps)
    summary = dataset.get('summary') or {}
    variables = [v['name'] for v in summary.get('variables') or ()]
    content = {'dataset_id': dataset_id, 'name': dataset['name'], 'status': dataset['status'],
               'wards': summary.get('wards'), 'matched': summary.get('matched'),
               'unmatched': summary.get('unmatched'), 'state': summary.get('state'), 'variables': variables,
               'warnings': dataset['warnings'][:CONTENT_ROWS], 'errors': [e['message'] for e in dataset['errors']]}
    return Done(dataset_sentences(dataset), content, bound=_bound(session, 'dataset_id', dataset_id))


def dataset_sentences(dataset):
    """What a person reads of a dataset: wards, matched, variables, warnings (also the greeting's words)."""
    name, status = dataset['name'], dataset['status']
    if status != READY:
        errors = ' '.join(e['message'] for e in dataset.get('errors') or ())
        return f'{name} is {status}.' + (f' {errors}' if errors else '')
    summary = dataset['summary']
    matched = summary.get('matched') or {}
    how = ', '.join(f'{count} by {way.removeprefix("by_")}' for way, count in matched.items() if count)
    variables = [v['name'] for v in summary.get('variables') or ()]
    text = (f'{name} has {summary["wards"]} wards, {sum(matched.values())} matched to the boundaries'
            f'{f" ({how})" if how else ""} and {summary.get("unmatched") or 0} unmatched; '
            f'{len(variables)} variables: {_listed(variables)}.')
    warnings = dataset.get('warnings') or ()
    if warnings:
        text += f' {_count(len(warnings), "warning")}: {" ".join(warnings[:3])}'
    return text


def compute_tpr(request, session):
    dataset_id = _id(request, session, 'dataset_id')
    options = {'age': request.age_group, 'level': request.facility_level, 'test': request.test,
               'period_from': request.period_from, 'period_to': request.period_to}
    result = tpr.compute_tpr(session.user_id, dataset_id, {k: v for k, v in options.items() if v is not None},
                             session.deps)
    wards = sorted(result['wards'], key=lambda w: (w['tpr'] is None, -(w['tpr'] or 0)))
    rows = [{'ward_code': w['ward_code'], 'ward_name': w['ward_name'], 'lga': w['lga'], 'tpr': w['tpr'],
             'positives': w['positives'], 'tested': w['tested'], 'facilities': w['facilities']} for w in wards]
    with_tpr = [r for r in rows if r['tpr'] is not None]
    text = (f'Ward TPR ({request.age_group} ages, {request.facility_level} facilities, '
            f'{result["options"]["test"]} tests) for {result["wards_with_tpr"]} of {result["wards_total"]} wards, '
            f'now the variable {result["column"]} of the dataset.')
    if with_tpr:
        highest = [f'{_ward_label(r)} {r["tpr"]:.1f}%' for r in with_tpr[:3]]
        text += f' Highest: {", ".join(highest)}.'
    if result['wards_without_tpr']:
        text += f' {_count(result["wards_without_tpr"], "ward")} without reports, so without a TPR (never 0).'
    return Done(text, {'dataset_id': dataset_id, 'column': result['column'], 'options': result['options'],
                       'wards_total': result['wards_total'], 'wards_with_tpr': result['wards_with_tpr'],
                       'highest': with_tpr[:CONTENT_ROWS], 'warnings': result['warnings'][:CONTENT_ROWS]},
                (_table('Ward TPR, highest first', rows),
                 {'kind': 'download', 'name': 'tpr_series.csv', 'url': result['series_url']}),
                bound=_bound(session, 'dataset_id', dataset_id))


def run_analysis(request, session):
    dataset_id = _id(request, session, 'dataset_id')
    body = {'dataset_id': dataset_id, 'method': request.method, 'preset': request.preset}
    if request.variables:
        dataset = datasets.get(session.user_id, dataset_id, session.deps)
        known = [v['name'] for v in (dataset.get('summary') or {}).get('variables') or ()]
        variables = language.Variables(known)
        body['variables'] = [_named(variables.match(name), name, known, 'variable', f'variables[{i}]')
                             for i, name in enumerate(request.variables)]
    created = analyses.create(session.user_id, {k: v for k, v in body.items() if v is not None}, session.deps,
                              conversation_id=session.conversation_id)
    analysis_id = created['analysis_id']
    return Done(f'The malaria risk analysis has started ({analysis_id}); its progress appears here, and when it '
                'finishes you can ask for the top wards, a map or a bed-net plan.',
                {'analysis_id': analysis_id, 'dataset_id': dataset_id, 'status': created['status']},
                bound={'dataset_id': dataset_id, 'analysis_id': analysis_id})


def analysis_status(request, session):
    analysis_id = _id(request, session, 'analysis_id')
    shown = analyses.get(session.user_id, analysis_id, session.deps)
    status, stage, progress = shown['status'], shown['stage'], shown['progress']
    if status == SUCCEEDED:
        text = f'Analysis {analysis_id} has finished: ask for the top wards, a map, a ward explained or a bed-net plan.'
    elif status == FAILED:
        text = f'Analysis {analysis_id} failed: {shown["error"]}'
    else:
        doing = STAGE_MESSAGES.get(stage, 'Waiting to start')
        text = f'Analysis {analysis_id} is {status.lower()}: {doing} ({progress}% done).'
    return Done(text, {k: shown[k] for k in ('analysis_id', 'dataset_id', 'status', 'stage', 'progress', 'error')},
                bound=_bound(session, 'analysis_id', analysis_id))


def top_wards(request, session):
    analysis_id = _id(request, session, 'analysis_id')
    wards = _ranking(session, analysis_id)
    if request.lga:
        lgas = [w['lga'] for w in wards if w.get('lga')]
        lga = _named(language.resolve(request.lga, lgas), request.lga, lgas, 'LGA', 'lga')
        wards = [w for w in wards if w.get('lga') == lga]
    ranked = _ranked_by(wards, request.method)
    chosen = (ranked if request.order == 'most' else ranked[::-1])[:request.n]
    method = request.method
    rows = [{'rank': w[f'{method}_rank'], 'ward_code': w['ward_code'], 'ward_name': w['ward_name'],
             'lga': w['lga'], 'score': w[f'{method}_score'], 'category': w[f'{method}_category']} for w in chosen]
    where = f' in {lga}' if request.lga else ''
    title = f'The {len(rows)} {request.order} vulnerable wards{where} ({METHOD_NAMES[method]})'
    text = f'{title}: {_listed([_ward_label(r) for r in rows], 5)}.'
    return Done(text, {'analysis_id': analysis_id, 'method': method, 'order': request.order,
                       'wards_ranked': len(ranked), 'wards': rows[:CONTENT_ROWS]},
                (_table(title, rows),),
                bound=_bound(session, 'analysis_id', analysis_id))


def _find_ward(wards, text):
    """The ranked ward `text` names by code or name; a name several LGAs share is asked back by code."""
    keys = [(w['ward_code'], w['ward_name'], w['lga']) for w in wards]
    found = language.Wards(keys).find(text)
    if not found:
        raise BadRequest(f'ward: no ward of this analysis is named {text!r}; check the spelling or give its code.',
                         {'field': 'ward'})
    same = [w for key, w in zip(keys, wards) if key in found]
    if len(same) > 1:
        choices = _listed([f'{_ward_label(w)}, code {w["ward_code"]}' for w in same])
        raise BadRequest(f'ward: {len(same)} wards are named {same[0]["ward_name"]}: {choices}; name it by code.',
                         {'field': 'ward', 'choices': [w['ward_code'] for w in same]})
    return same[0]


def explain_ward(request, session):
    analysis_id = _id(request, session, 'analysis_id')
    wards = _ranking(session, analysis_id)
    ward = _find_ward(wards, request.ward)
    result = json.loads(session.deps.objects.get_object(
        session.user_id, object_key(session.user_id, 'analyses', analysis_id, 'work', 'result.json')))
    values = result['ward_values']
    own = next(v for v in values if (v['ward_code'], v['ward_name']) == (ward['ward_code'], ward['ward_name']))
    imputed = {f['variable']: f for f in result.get('imputation') or ()
               if (f['ward_code'], f['ward_name']) == (ward['ward_code'], ward['ward_name'])}
    rows = []
    for variable in result['variables']:
        name = variable['name']
        observed = [v['raw'][name] for v in values if v['raw'].get(name) is not None]
        median = statistics.median(observed) if observed else None
        value = own['value'].get(name)
        higher = value is not None and median is not None and value > median
        rows.append({'variable': name, 'ward_value': value, 'state_median': median,
                     'direction': variable['direction'], 'risk_score': own['normalised'].get(name),
                     'pushes_risk': ('up' if higher == (variable['direction'] == 'direct') else 'down')
                     if value != median else 'neither', 'imputed': name in imputed})
    rows.sort(key=lambda r: -(r['risk_score'] or 0))
    total = len(wards)
    ranks = {m: {'rank': ward[f'{m}_rank'], 'category': ward[f'{m}_category'], 'score': ward[f'{m}_score']}
             for m in METHOD_NAMES if ward.get(f'{m}_rank') is not None}
    text = f'{_ward_label(ward)} ranks ' + ' and '.join(
        f'{r["rank"]} of {total} by {METHOD_NAMES[m]} ({r["category"]})' for m, r in ranks.items()) + '.'
    spread = ward.get('rank_spread')
    if spread:
        text += (f' Across the composite models its rank runs from {spread["min"]} to {spread["max"]} '
                 f'(10th to 90th percentile {_number(spread["p10"])} to {_number(spread["p90"])}).')
    up = [r for r in rows if r['pushes_risk'] == 'up']
    if up:
        text += ' Raising its risk: ' + '; '.join(
            f'{r["variable"]} {_number(r["ward_value"])} ({"above" if r["ward_value"] > r["state_median"] else "below"}'
            f' the state median {_number(r["state_median"])})' for r in up[:4]) + '.'
    if imputed:
        text += (f' Missing in the data and filled from {_listed(sorted({f["source"] for f in imputed.values()}))}: '
                 f'{_listed(sorted(imputed))}.')
    return Done(text, {'analysis_id': analysis_id, 'ward_code': ward['ward_code'], 'ward_name': ward['ward_name'],
                       'lga': ward['lga'], 'wards_ranked': total, 'ranks': ranks, 'rank_spread': spread,
                       'variables': rows, 'imputed': sorted(imputed)},
                (_table(f'{_ward_label(ward)} against the state median', rows),),
                bound=_bound(session, 'analysis_id', analysis_id))


def _map_name(session, item, request):
    """The artifact that draws what the request asks for, or why there is none."""
    ran = (item.get('request') or {}).get('method') or 'both'
    artifacts = item.get('artifacts') or {}
    if request.kind == 'itn':
        plans = item.get('itn_plans') or []
        if not plans:
            raise Conflict('kind: this analysis has no bed-net plan yet; make one first (how many nets are there?).',
                           {'field': 'kind'})
        return f'itn-coverage-{plans[-1]["plan_id"]}.html', 'Bed-net coverage of the latest plan'
    if request.kind == 'pca' or (request.kind == 'vulnerability' and request.method == 'pca'):
        name = 'pca_map.html' if 'pca_map.html' in artifacts or ran != 'pca' else 'vulnerability_map.html'
    elif request.kind == 'vulnerability' and request.method == 'composite' and ran == 'pca':
        raise BadRequest('method: this analysis ranked by PCA only; there is no composite map.', {'field': 'method'})
    else:
        name = MAPS[request.kind]
    if name not in artifacts:
        why = {'pca_map.html': 'PCA did not run for this analysis (compare_methods says why)',
               'urban_map.html': 'the data has no urban percentage'}.get(name, 'it was not drawn')
        raise Conflict(f'kind: there is no {request.kind} map: {why}.', {'field': 'kind'})
    title = MAP_TITLES[name]
    if request.kind == 'variable' and request.variable:
        known = [v['name'] for v in _artifact_json(session, item, 'diagnostics.json')['variables']]
        _refuse_unranked(session, item, request.variable, known)
        variable = _named(language.Variables(known).match(request.variable), request.variable, known, 'variable',
                          'variable')
        title = f'Variables: {variable} (choose it in the map\'s menu)'
    return name, title


def _refuse_unranked(session, item, text, ranked):
    """A variable of the dataset this analysis did not rank has no map here: say so, and how to get one
    (an officer asking to "map the rainfall" should not hear that the data has no rainfall)."""
    if language.Variables(ranked).match(text) is not None:
        return
    dataset = session.deps.datasets.get(session.user_id, item['dataset_id']) or {}
    columns = [v['name'] for v in (dataset.get('summary') or {}).get('variables') or ()]
    other = language.Variables(columns).match(text)
    if other is not None:
        raise Conflict(f'variable: {other} is in the dataset, but this analysis did not rank with it, so it has '
                       f'no map yet (its variables are {_listed(ranked)}). To map it, run an analysis that '
                       f'includes it, e.g. "run the analysis with {other}, {", ".join(ranked[:2])}".',
                       {'field': 'variable', 'choices': ranked})


def show_map(request, session):
    analysis_id = _id(request, session, 'analysis_id')
    item = _finished(session, analysis_id, 'its maps are')
    name, title = _map_name(session, item, request)
    return Done(f'Here is the map: {title} (the link works for 5 minutes).',
                {'analysis_id': analysis_id, 'map': name, 'title': title},
                (_link(session, analysis_id, name, 'map', title=title),),
                bound=_bound(session, 'analysis_id', analysis_id))


def compare_methods(request, session):
    analysis_id = _id(request, session, 'analysis_id')
    item = _finished(session, analysis_id, 'the comparison is')
    diagnostics = _artifact_json(session, item, 'diagnostics.json')
    pca, comparison = diagnostics.get('pca') or {}, diagnostics.get('comparison') or {}
    if not pca.get('ran') or not comparison.get('wards'):
        failed = [f'{name} {_number(check["value"])} (needs {check["required"]})'
                  for name, check in (pca.get('checks') or {}).items() if not check.get('passed')]
        why = f'its checks failed: {"; ".join(failed)}' if failed else 'it was not asked for'
        raise Conflict(f'PCA did not run for analysis {analysis_id} ({why}), so there is only the composite '
                       'ranking to go by.', {'analysis_id': analysis_id})
    wards = comparison['wards']
    same = sum(bool(w['category_agrees']) for w in wards) / len(wards)
    moved = sorted(wards, key=lambda w: -abs(w['rank_difference']))[:CONTENT_ROWS]
    rows = [{'ward_code': w['ward_code'], 'ward_name': w['ward_name'], 'composite_rank': w['composite_rank'],
             'pca_rank': w['pca_rank'], 'rank_difference': w['rank_difference']} for w in moved]
    text = (f'The composite and PCA rankings agree with a Spearman correlation of {comparison["spearman"]:.2f} '
            f'(1 is the same order); {_percent(same)} of the wards fall in the same category and '
            f'{_percent(comparison["top10_overlap"])} of the top 10 are in both. Moving most: '
            + '; '.join(f'{r["ward_name"]} (composite {r["composite_rank"]}, PCA {r["pca_rank"]})' for r in rows[:3])
            + '.')
    return Done(text, {'analysis_id': analysis_id, 'spearman': comparison['spearman'], 'same_category': same,
                       'top10_overlap': comparison['top10_overlap'], 'moved_most': rows},
                (_table('Wards whose rank moves most between the methods', rows),),
                bound=_bound(session, 'analysis_id', analysis_id))


def plan_itn(request, session):
    analysis_id = _id(request, session, 'analysis_id')
    plan = itn_plans.create_itn_plan(session.user_id, analysis_id, request.model_dump(exclude={'analysis_id'}),
                                     session.deps)
    totals, plan_id = plan['totals'], plan['plan_id']
    text = (f'The plan gives {_number(totals["nets_used"])} of {_number(totals["nets_total"])} nets, covering '
            f'{_number(totals["people_covered"])} people ({totals["coverage_percent"]:.0f}% of the '
            f'{_number(totals["population_planned"])} planned); '
            f'{sum(totals["wards_covered"].values())} wards fully covered, '
            f'{sum(totals["wards_partial"].values())} partly, {totals["wards_without_nets"]} without nets; '
            f'{_number(totals["nets_left"])} nets left.')
    rows = [{k: r[k] for k in ('rank', 'ward_code', 'ward_name', 'lga', 'nets_allocated', 'coverage_percent', 'phase')}
            for r in plan['rows'][:CONTENT_ROWS]]
    return Done(text, {'analysis_id': analysis_id, 'plan_id': plan_id, 'totals': totals, 'first_wards': rows,
                       'warnings': plan['warnings'][:CONTENT_ROWS]},
                ({'kind': 'plan', 'plan_id': plan_id, 'analysis_id': analysis_id, 'totals': totals,
                  'method': plan['method'], 'household_size': plan['household_size'],
                  'urban_threshold': plan['urban_threshold']},
                 _link(session, analysis_id, f'itn-coverage-{plan_id}.html', 'map', title='Bed-net coverage'),
                 *(_link(session, analysis_id, f'itn-plan-{plan_id}{ext}', 'download') for ext in ('.csv', '.xlsx'))),
                bound=_bound(session, 'analysis_id', analysis_id))


METHOD_TOPICS = MappingProxyType({
    'scores': 'The composite score turns each variable into a 0 to 1 risk score (1 is the highest risk; for '
              'variables where less means more risk, such as housing quality or distance to water, the scale is '
              'turned round). A model is a set of two or more variables and scores a ward with the mean of their '
              'risk scores; the ward\'s composite score is the median over all models. Wards are ranked by it: '
              'the top third are High, the middle third Medium, the rest Low. The rank spread shows how much a '
              'ward\'s rank changes from model to model, so how much it depends on the variables chosen.',
    'pca': 'PCA (principal component analysis) finds the few combinations of the variables that explain most of '
           'how wards differ, and scores each ward by them, weighted by how much each explains. It runs only when '
           'the data suit it: at least 3 variables, as many wards as variables, a KMO of at least 0.5 and a '
           'Bartlett test below 0.05; otherwise the composite score stands alone. Where both run, comparing them '
           'shows which wards are high risk whichever way you count.',
    'imputation': 'A ward missing a value gets the mean of its neighbouring wards\' values (wards whose '
                  'boundaries touch), or the mean of all wards when no neighbour has one. Every filled value is '
                  'listed, and a variable missing in more than half of the wards is left out rather than made up.',
    'tpr': 'The test positivity rate (TPR) of a ward is 100 x people who tested positive / people tested, summed '
           'over its facilities and the months chosen, for an age group (under five, five and over, pregnant '
           'women, or all) and a facility level. With both tests, the higher of the RDT and microscopy rates is '
           'used, each with its own counts. A ward without reports has no TPR: it is missing, never 0.',
    'itn': 'A bed-net (ITN) plan gives each ward one net per 1.8 people (or per household, when households are '
           'smaller), first to the most vulnerable rural wards in rank order, then to urban wards (above the urban '
           'threshold, 75% by default). A ward whose need no longer fits is skipped and the remainder goes to the '
           'highest-ranked skipped ward, so no net is left unused while a ward still needs one.',
})


def explain_method(request, session):
    topics = [request.topic] if request.topic else list(METHOD_TOPICS)
    text = ' '.join(METHOD_TOPICS[t] for t in topics) if request.topic else (
        'Ask about any of these: ' + '; '.join(f'{t}: {METHOD_TOPICS[t].split(". ")[0]}' for t in topics) + '.')
    return Done(text, {'topic': request.topic, 'text': text})


def get_report(request, session):
    analysis_id = _id(request, session, 'analysis_id')
    item = _finished(session, analysis_id, 'its report is')
    names = [name for name in REPORT_FILES if name in (item.get('artifacts') or {})]
    links = tuple(_link(session, analysis_id, name, 'download') for name in names)
    return Done(f'The report and downloads of analysis {analysis_id} (links work for 5 minutes): {", ".join(names)}.',
                {'analysis_id': analysis_id, 'files': names}, links,
                bound=_bound(session, 'analysis_id', analysis_id))


@dataclass(frozen=True)
class Tool:
    name: str
    model: type
    run: Callable        # run(request, session) -> Done

    @property
    def spec(self):
        schema = {k: v for k, v in self.model.model_json_schema().items() if k not in ('title', 'description')}
        return ToolSpec(self.name, ' '.join(self.model.__doc__.split()), schema)


ERROR_DETAILS = ('field', 'choices')   # what a provider may act on: the input to fix, the answers to offer
TOOLS = MappingProxyType({tool.name: tool for tool in (
    Tool('list_datasets', ListDatasets, list_datasets),
    Tool('describe_dataset', DescribeDataset, describe_dataset),
    Tool('compute_tpr', ComputeTpr, compute_tpr),
    Tool('run_analysis', RunAnalysis, run_analysis),
    Tool('analysis_status', AnalysisStatus, analysis_status),
    Tool('top_wards', TopWards, top_wards),
    Tool('explain_ward', ExplainWard, explain_ward),
    Tool('show_map', ShowMap, show_map),
    Tool('compare_methods', CompareMethods, compare_methods),
    Tool('plan_itn', PlanItn, plan_itn),
    Tool('explain_method', ExplainMethod, explain_method),
    Tool('get_report', GetReport, get_report),
)})


def specs():
    """Every tool as a model sees it, the schemas generated from the input models."""
    return tuple(tool.spec for tool in TOOLS.values())


def invoke(call, session):
    """Run one tool call as the session's user. A mistake of the user or the model (bad input, an
    id not theirs, an analysis not finished) is an 'error' result a person reads, never an exception."""
    tool = TOOLS.get(call.name)
    try:
        if tool is None:
            raise NotFound(f'there is no tool {call.name!r}; the tools are {", ".join(TOOLS)}.', {'field': 'name'})
        done = tool.run(parse(tool.model, call.input), session)
    except ApiError as error:
        shown = {key: error.details[key] for key in ERROR_DETAILS if key in error.details}
        return ToolResult(call, 'error', error.message, {'error': dict(shown, code=error.code, message=error.message)})
    return ToolResult(call, 'ok', done.summary, done.content, tuple(done.attachments), dict(done.bound))
