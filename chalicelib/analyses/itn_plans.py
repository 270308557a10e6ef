"""Bed-net (ITN) plans on a finished analysis's ranking, stored and listed under it.

The REST path imports this module: the engine, openpyxl, plotly and the request model
(pydantic) load only inside the functions that use them. `plan_files` takes the plan and returns bytes.
"""
import io
import json

from chalicelib.analyses.stages import drawing_options
from chalicelib.errors import BadRequest, Conflict, InvalidData
from chalicelib.requests import engine_error, find, parse
from chalicelib.storage.analyses import SUCCEEDED
from chalicelib.storage.base import StaleTransition, new_id, now_iso
from chalicelib.storage.datasets import READY
from chalicelib.storage.objects import content_type, object_key

RANKINGS = 'rankings.json'
# Each file of a plan: its name under the plan's folder and its artifact name ({} = plan id).
PLAN_FILES = (('plan.json', 'itn-plan-{}.json'), ('plan.csv', 'itn-plan-{}.csv'),
              ('plan.xlsx', 'itn-plan-{}.xlsx'), ('coverage_map.html', 'itn-coverage-{}.html'))
NO_POPULATION = ('The dataset of this analysis has no ward population, so no bed-net plan can be made '
                 '(a number is never invented). Create a dataset that includes a population file (role '
                 '"population", columns WardCode and population) or ward data with a population column, '
                 'run the analysis again and plan on it.')


def create_itn_plan(user_id, analysis_id, body, deps):
    """A bed-net plan on a SUCCEEDED analysis's ranking, stored and listed under it.

    The preset is the analysis's own, so a legacy analysis plans the legacy way.
    Files are written first and registered with the plan in one conditional write:
    an analysis deleted meanwhile gets no plan (409) and its files are removed again.
    """
    from chalicelib.analyses.models import CreateItnPlan
    from chalicelib.analysis.errors import DataError
    from chalicelib.analysis.itn import plan_itn
    from chalicelib.reports.exports import plan_for_people
    request = parse(CreateItnPlan, body)
    item = find(deps.analyses, user_id, analysis_id, 'analysis')
    ranking = (item.get('artifacts') or {}).get(RANKINGS)
    if item['status'] != SUCCEEDED or ranking is None:
        raise Conflict(f'analysis {analysis_id} is {item["status"]}; a bed-net plan needs a SUCCEEDED '
                       'analysis', {'analysis_id': analysis_id, 'status': item['status']})
    population = _dataset_population(user_id, item['dataset_id'], deps)
    # The worker keeps the engine's whole result: the ranking and the wards to map.
    result = json.loads(deps.objects.get_object(
        user_id, object_key(user_id, 'analyses', analysis_id, 'work', 'result.json')))
    _check_ranked_by(result['rankings'], request.method)
    try:
        plan = plan_itn(result['rankings'], population,
                        request.total_nets, request.household_size, request.urban_threshold,
                        preset=(item.get('request') or {}).get('preset') or 'default', method=request.method)
    except DataError as error:
        raise engine_error(error) from None
    plan = plan_for_people(plan)  # whole people in the answer, the files and the stored totals
    plan_id, created_at = new_id('plan'), now_iso()
    artifacts = {}
    for (name, artifact), (data, ctype) in zip(PLAN_FILES, plan_files(plan, result, drawing_options(item))):
        key = deps.objects.put_file(user_id, 'analyses', analysis_id, ('itn-plans', plan_id, name), data, ctype)
        artifacts[artifact.format(plan_id)] = {'key': key, 'content_type': ctype, 'size': len(data)}
    summary = {'plan_id': plan_id, 'created_at': created_at, 'method': plan['method'], 'preset': plan['preset'],
               'total_nets': request.total_nets, 'household_size': request.household_size,
               'urban_threshold': request.urban_threshold, 'totals': plan['totals'],
               'artifacts': sorted(artifacts)}
    try:
        deps.analyses.add_itn_plan(user_id, analysis_id, summary, artifacts)
    except StaleTransition:
        deps.objects.delete_files(user_id, 'analyses', analysis_id,
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


def list_itn_plans(user_id, analysis_id, deps):
    """The analysis's plans, oldest first, as summaries (the rows are in each plan's files)."""
    return {'items': find(deps.analyses, user_id, analysis_id, 'analysis').get('itn_plans') or []}


def _dataset_population(user_id, dataset_id, deps):
    dataset = deps.datasets.get(user_id, dataset_id) if dataset_id else None
    key = ((dataset or {}).get('canonical') or {}).get('wards.csv')
    if not dataset or dataset.get('status') != READY or key is None:
        raise Conflict(f'the dataset {dataset_id} of this analysis was deleted or is being replaced, and the '
                       'ward population comes from it: upload the data again and run a new analysis',
                       {'dataset_id': dataset_id})
    from chalicelib.analysis.dataset import canonical_population
    population = canonical_population(deps.objects.get_object(user_id, key))
    if not population:
        raise InvalidData(NO_POPULATION, {'field': 'population', 'dataset_id': dataset_id})
    return population


def plan_files(plan, result, options=None):
    """The plan as (bytes, content type) for each of PLAN_FILES: JSON, CSV, XLSX and its
    coverage map on the wards of the analysis `result` it was made from, drawn with the
    analysis's drawing `options` (an offline analysis's map embeds plotly.js)."""
    from chalicelib.analysis.itn import PLAN_COLUMNS, write_plan_csv
    from chalicelib.reports.xlsx import workbook
    from chalicelib.viz import coverage_map
    text = io.StringIO()
    write_plan_csv(plan, text)
    xlsx = workbook((('ITN plan', PLAN_COLUMNS, ([row[c] for c in PLAN_COLUMNS] for row in plan['rows'])),
                     ('Totals', ('total', 'value'), _flat(plan['totals'])),
                     ('Warnings', ('warning',), ([w] for w in plan['warnings']))))
    return ((json.dumps(plan, allow_nan=False).encode(), content_type('.json')),
            (text.getvalue().encode('utf-8'), content_type('.csv')),
            (xlsx, content_type('.xlsx')),
            (coverage_map(result, plan, options), content_type('.html')))


def _flat(totals, prefix=''):
    for name, value in totals.items():
        if isinstance(value, dict):
            yield from _flat(value, f'{prefix}{name}.')
        else:
            yield [f'{prefix}{name}', value]
