"""The one entry point from a prepared dataset and a request to a result (spec section 11).

The API worker and the command line both call `run_analysis`; it applies the
preset's rules, runs the requested methods and returns an `AnalysisResult`.
"""
import math
from dataclasses import dataclass, field

import numpy as np

from . import imputation, pca as pca_module, scoring
from .dataset import no_stage
from .errors import DataError
from .ingest import collector_paused
from .variables import check_model_count, select_variables, unusable

METHODS = ('composite', 'pca', 'both')
# A rankings item (the API's fields, plus the urban percentage), in order.
RANKING_FIELDS = ('ward_code', 'ward_name', 'lga', 'composite_score', 'composite_rank', 'composite_category',
                  'pca_score', 'pca_rank', 'pca_category', 'rank_spread', 'imputed', 'urban_percentage')
SPREAD = ('min', 'p10', 'p90', 'max')
PRESETS = ('default', 'mrpt-legacy')


@dataclass
class AnalysisResult:
    """Everything an analysis returns, as plain JSON values (NaN already None).

    `to_dict()` is what the worker stores and what drawing and reports read. The display
    boundaries (`geojson`) are the ranked dataset's, made when first asked for.
    """
    request: dict
    rankings: list
    models: list
    pca: dict
    comparison: dict
    match_report: dict
    imputation: list
    variables: list
    warnings: list
    urban_thresholds: list
    ward_values: list
    prepared: object = field(repr=False)

    @property
    def geojson(self):
        return self.prepared.geojson

    def to_dict(self):
        out = {name: getattr(self, name) for name in self.__dataclass_fields__ if name != 'prepared'}
        out['geojson'] = self.geojson
        return out


def json_safe(value):
    """Plain JSON types: numpy scalars and arrays unwrapped, NaN and infinity as None."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, np.ndarray):
        return plain(value)
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def plain(array):
    """A numpy array as (nested) lists of Python values, NaN and infinity as None, in one pass of numpy."""
    array = np.asarray(array)
    if array.dtype.kind == 'f':
        unknown = ~np.isfinite(array)
        if unknown.any():
            array = array.astype(object)
            array[unknown] = None
    return array.tolist()


def parse_request(request):
    """Validate the request's shape; mistakes name the field."""
    request = dict(request or {})
    method = request.get('method') or 'both'
    preset = request.get('preset') or 'default'
    if method not in METHODS:
        raise DataError('bad_request', f'method must be one of {", ".join(METHODS)}, not {method!r}.', column='method')
    if preset not in PRESETS:
        raise DataError('bad_request', f'preset must be one of {", ".join(PRESETS)}, not {preset!r}.', column='preset')
    variables = request.get('variables')
    if variables is not None and (not isinstance(variables, (list, tuple))
                                  or not all(isinstance(v, str) for v in variables)):
        raise DataError('bad_request', 'variables must be a list of column names.', column='variables')
    directions = request.get('directions')
    if directions is not None and not isinstance(directions, dict):
        raise DataError('bad_request', 'directions must map variable names to "direct" or "inverse".',
                        column='directions')
    state = request.get('state')
    return {'method': method, 'preset': preset, 'variables': list(variables) if variables else None,
            'directions': directions or None, 'state': state}


def scorable(prepared, names, warnings):
    """Drop variables with under half their values or no variation, with a warning naming each."""
    kept = []
    for name, direction in names:
        column = prepared.values[:, prepared.variables.index(name)]
        known = column[~np.isnan(column)]
        lowest, highest = (known.min(), known.max()) if len(known) else (None, None)
        reason = unusable(name, len(known), len(column), lowest, highest)
        if reason:
            warnings.append(reason)
        else:
            kept.append((name, direction))
    return kept


def imputation_method(request):
    return imputation.SEQUENTIAL if request['preset'] == 'mrpt-legacy' else imputation.SNAPSHOT


def run_analysis(prepared, request, on_stage=None):
    """Rank the prepared wards as the request asks; raises DataError for request mistakes."""
    on_stage = on_stage or no_stage
    request = parse_request(request)
    legacy = request['preset'] == 'mrpt-legacy'
    warnings = list(prepared.warnings)
    on_stage('select')
    chosen, notes = select_variables(prepared.variables, request['variables'], request['directions'],
                                     request['state'] or prepared.state, legacy)
    warnings.extend(notes)
    chosen = scorable(prepared, chosen, warnings)
    check_model_count(chosen, legacy)
    if len(chosen) < 2:
        raise DataError('too_few_variables', 'At least two usable variables are needed to rank wards; '
                        f'usable: {", ".join(n for n, _ in chosen) or "none"}. Choose other variables.',
                        column='variables')
    names = [n for n, _ in chosen]
    directions = [d for _, d in chosen]
    columns = [prepared.variables.index(n) for n in names]

    on_stage('impute')
    raw = prepared.values[:, columns]
    values, fills = imputation.impute(raw, prepared.indptr, prepared.indices, imputation_method(request))

    on_stage('normalise')
    normalised = scoring.normalise(values, directions, legacy)

    composite = pca_result = None
    if request['method'] in ('pca', 'both'):
        on_stage('pca')
        pca_result = pca_module.pca(values, names, directions, legacy)
        if not pca_result['ran']:
            warnings.append(pca_result['reason'] + ('; the composite score is given alone.'
                                                    if request['method'] == 'pca' else '.'))
    if request['method'] != 'pca' or not pca_result['ran']:
        on_stage('composite')
        if legacy and len(names) > 5:
            warnings.append(f'mrpt-legacy: only the first five variables ({", ".join(names[:5])}) enter the '
                            f'composite models; {", ".join(names[5:])} do not.')
        composite = scoring.composite(normalised, legacy)

    on_stage('assemble')
    with collector_paused():   # a dict per ward and per ward's values, and no cycle among them
        return assemble(prepared, request, names, directions, raw, values, normalised, fills, composite, pca_result,
                        warnings)


def assemble(prepared, request, names, directions, raw, values, normalised, fills, composite, pca_result, warnings):
    """The result as plain values, column by column: each array becomes Python values once (`plain`),
    then the per-ward records are zipped from the columns."""
    n = len(prepared.ward_name)
    codes, wards, lgas = prepared.ward_code, prepared.ward_name, prepared.lga
    pca_ran = bool(pca_result and pca_result['ran'])
    method = imputation_method(request)
    imputed = [[] for _ in range(n)]
    filled = []
    for row, col, value, source in fills:
        imputed[row].append(names[col])
        filled.append({'ward_code': codes[row], 'ward_name': wards[row], 'row': row, 'variable': names[col],
                       'method': method, 'source': source, 'value': value})
    columns = {'ward_code': codes, 'ward_name': wards, 'lga': lgas, 'imputed': imputed,
               'urban_percentage': plain(prepared.urban_percentage)}
    nothing = [None] * n
    composite_rank = pca_rank = None
    composite_category = pca_category = None
    if composite:
        composite_rank, composite_category = composite['rank'], scoring.categories(composite['rank'])
        spread = composite['spread']
        columns.update(composite_score=plain(composite['score']), composite_rank=composite_rank.tolist(),
                       composite_category=composite_category.tolist(),
                       rank_spread=[{'min': low, 'p10': round(p10, 6), 'p90': round(p90, 6), 'max': high}
                                    for low, p10, p90, high in zip(*(plain(spread[k]) for k in SPREAD))])
    if pca_ran:
        pca_rank = scoring.ranks_of(pca_result['score'])
        pca_category = scoring.categories(pca_rank)
        columns.update(pca_score=plain(pca_result['score']), pca_rank=pca_rank.tolist(),
                       pca_category=pca_category.tolist())
    rows = [dict(zip(RANKING_FIELDS, cells)) for cells in zip(*(columns.get(f, nothing) for f in RANKING_FIELDS))]
    primary = composite_rank if composite else pca_rank
    rankings = [rows[i] for i in np.argsort(primary, kind='stable').tolist()]
    comparison = {}
    if composite and pca_ran:
        compared = scoring.compare(composite_rank, pca_rank, composite_category, pca_category)
        comparison = json_safe({k: v for k, v in compared.items() if k not in ('rank_difference', 'category_agrees')})
        by_rank = np.argsort(composite_rank, kind='stable')
        comparison['wards'] = [
            {'ward_code': codes[i], 'ward_name': wards[i], 'composite_rank': c, 'pca_rank': p, 'rank_difference': d,
             'category_agrees': a}
            for i, c, p, d, a in zip(by_rank.tolist(), composite_rank[by_rank].tolist(), pca_rank[by_rank].tolist(),
                                     compared['rank_difference'][by_rank].tolist(),
                                     compared['category_agrees'][by_rank].tolist())]
    models = [{'id': m + 1, 'variables': [names[c] for c in combo]}
              for m, combo in enumerate(composite['models'])] if composite else []
    pca_out = {k: v for k, v in (pca_result or {'ran': False, 'reason': 'PCA not requested.'}).items() if k != 'score'}
    urban = [{'threshold': t, 'wards': len(rows_at), 'ward_codes': [codes[i] for i in rows_at.tolist()],
              'ward_names': [wards[i] for i in rows_at.tolist()]}
             for t, rows_at in scoring.urban_thresholds(prepared.urban_percentage).items()]
    ward_values = [{'row': i, 'ward_code': code, 'ward_name': name, 'raw': dict(zip(names, r)),
                    'value': dict(zip(names, v)), 'normalised': dict(zip(names, z))}
                   for i, (code, name, r, v, z) in enumerate(zip(codes, wards, plain(raw), plain(values),
                                                                 plain(normalised)))]
    return AnalysisResult(
        request=json_safe(request), rankings=rankings, models=models, pca=json_safe(pca_out), comparison=comparison,
        match_report=json_safe(prepared.match_report), imputation=json_safe(filled),
        variables=[{'name': n_, 'direction': d} for n_, d in zip(names, directions)], warnings=list(warnings),
        urban_thresholds=urban, ward_values=ward_values, prepared=prepared)
