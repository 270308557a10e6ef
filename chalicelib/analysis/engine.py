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
from .variables import check_model_count, select_variables, unusable

METHODS = ('composite', 'pca', 'both')
PRESETS = ('default', 'mrpt-legacy')


@dataclass
class AnalysisResult:
    """Everything an analysis returns, as plain JSON values (NaN already None).

    `to_dict()` is what the worker stores and what drawing and reports read.
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
    geojson: dict = field(repr=False)

    def to_dict(self):
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def json_safe(value):
    """Plain JSON types: numpy scalars and arrays unwrapped, NaN and infinity as None."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, np.ndarray):
        return json_safe(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


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
    return assemble(prepared, request, names, directions, raw, values, normalised, fills, composite, pca_result,
                    warnings)


def assemble(prepared, request, names, directions, raw, values, normalised, fills, composite, pca_result, warnings):
    n = len(prepared.ward_name)
    pca_ran = bool(pca_result and pca_result['ran'])
    pca_rank = scoring.ranks_of(pca_result['score']) if pca_ran else None
    pca_category = scoring.categories(pca_rank) if pca_ran else None
    composite_category = scoring.categories(composite['rank']) if composite else None
    imputed = [[] for _ in range(n)]
    method = imputation_method(request)
    filled = []
    for row, col, value, source in fills:
        imputed[row].append(names[col])
        filled.append({'ward_code': prepared.ward_code[row], 'ward_name': prepared.ward_name[row], 'row': row,
                       'variable': names[col], 'method': method, 'source': source, 'value': value})
    rows = []
    for i in range(n):
        item = {'ward_code': prepared.ward_code[i], 'ward_name': prepared.ward_name[i], 'lga': prepared.lga[i],
                'composite_score': None, 'composite_rank': None, 'composite_category': None,
                'pca_score': None, 'pca_rank': None, 'pca_category': None, 'rank_spread': None,
                'imputed': imputed[i], 'urban_percentage': prepared.urban_percentage[i]}
        if composite:
            spread = composite['spread']
            item.update(composite_score=composite['score'][i], composite_rank=int(composite['rank'][i]),
                        composite_category=str(composite_category[i]),
                        rank_spread={k: (int(v[i]) if k in ('min', 'max') else round(float(v[i]), 6))
                                     for k, v in spread.items()})
        if pca_ran:
            item.update(pca_score=pca_result['score'][i], pca_rank=int(pca_rank[i]), pca_category=str(pca_category[i]))
        rows.append(item)
    primary = composite['rank'] if composite else pca_rank
    rankings = [rows[i] for i in np.argsort(primary, kind='stable')]
    comparison = {}
    if composite and pca_ran:
        compared = scoring.compare(composite['rank'], pca_rank, composite_category, pca_category)
        comparison = {k: v for k, v in compared.items() if k not in ('rank_difference', 'category_agrees')}
        comparison['wards'] = [{'ward_code': prepared.ward_code[i], 'ward_name': prepared.ward_name[i],
                                'composite_rank': int(composite['rank'][i]), 'pca_rank': int(pca_rank[i]),
                                'rank_difference': int(compared['rank_difference'][i]),
                                'category_agrees': bool(compared['category_agrees'][i])}
                               for i in np.argsort(composite['rank'], kind='stable')]
    models = [{'id': m + 1, 'variables': [names[c] for c in combo]}
              for m, combo in enumerate(composite['models'])] if composite else []
    pca_out = {k: v for k, v in (pca_result or {'ran': False, 'reason': 'PCA not requested.'}).items() if k != 'score'}
    urban = [{'threshold': t, 'wards': len(rows_at), 'ward_codes': [prepared.ward_code[i] for i in rows_at],
              'ward_names': [prepared.ward_name[i] for i in rows_at]}
             for t, rows_at in scoring.urban_thresholds(prepared.urban_percentage).items()]
    raw, values, normalised = raw.tolist(), values.tolist(), normalised.tolist()
    ward_values = [{'row': i, 'ward_code': prepared.ward_code[i], 'ward_name': prepared.ward_name[i],
                    'raw': dict(zip(names, raw[i])), 'value': dict(zip(names, values[i])),
                    'normalised': dict(zip(names, normalised[i]))} for i in range(n)]
    return AnalysisResult(**json_safe(dict(
        request=request, rankings=rankings, models=models, pca=pca_out, comparison=comparison,
        match_report=prepared.match_report, imputation=filled,
        variables=[{'name': n_, 'direction': d} for n_, d in zip(names, directions)], warnings=warnings,
        urban_thresholds=urban, ward_values=ward_values)), geojson=prepared.geojson)
