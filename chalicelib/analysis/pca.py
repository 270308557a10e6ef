"""PCA score with its suitability checks (spec section 6), numpy only."""
import math

import numpy as np

MIN_KMO = 0.5
MAX_BARTLETT_P = 0.05


def standardise(values):
    std = values.std(axis=0)
    return (values - values.mean(axis=0)) / np.where(std > 0, std, 1.0)


def kmo(correlation):
    """Kaiser-Meyer-Olkin measure from partial correlations via the pseudo-inverse."""
    inverse = np.linalg.pinv(correlation)
    d = np.sqrt(np.abs(np.diag(inverse)))
    partial = -inverse / np.outer(d, d)
    off = ~np.eye(len(correlation), dtype=bool)
    r2 = float((correlation[off] ** 2).sum())
    a2 = float((partial[off] ** 2).sum())
    return r2 / (r2 + a2) if r2 + a2 > 0 else 0.0


def bartlett(correlation, n):
    """Bartlett's sphericity test: (chi2, degrees of freedom, p-value)."""
    p = len(correlation)
    sign, logdet = np.linalg.slogdet(correlation)
    logdet = logdet if sign > 0 else -np.inf
    chi2 = -((n - 1) - (2 * p + 5) / 6.0) * logdet
    df = p * (p - 1) // 2
    return float(chi2), df, chi2_survival(float(chi2), df)


def chi2_survival(x, df):
    """P(X > x) for a chi-squared variable: the regularised upper incomplete gamma Q(df/2, x/2)."""
    if not math.isfinite(x):
        return 0.0 if x > 0 else 1.0
    if x <= 0:
        return 1.0
    a, z = df / 2.0, x / 2.0
    log_prefactor = a * math.log(z) - z - math.lgamma(a)
    if z < a + 1:  # series for the lower gamma
        term = total = 1.0 / a
        k = a
        while abs(term) > abs(total) * 1e-15:
            k += 1
            term *= z / k
            total += term
        return max(0.0, 1.0 - total * math.exp(log_prefactor))
    tiny = 1e-300  # Lentz continued fraction for the upper gamma
    b = z + 1 - a
    c, d = 1 / tiny, 1 / b
    h = d
    for i in range(1, 1000):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1 / d
        delta = d * c
        h *= delta
        if abs(delta - 1) < 1e-15:
            break
    return min(1.0, h * math.exp(log_prefactor))


def component_count(p):
    return min(p, max(2, math.floor(0.8 * p)))


def pca(values, names, directions, legacy=False):
    """Suitability checks, then the PCA score when every check passes.

    Returns a diagnostics dict; `score` (per ward) is present only when it ran.
    default: inverse variables are negated first and each component is oriented
    so its loadings sum positive (higher score = higher risk). legacy: no
    directions, each component's largest-magnitude loading is positive.
    """
    n, p = values.shape
    z = standardise(values)
    if not legacy:
        z = z * np.array([-1.0 if d == 'inverse' else 1.0 for d in directions])
    checks = {'variables': {'value': p, 'required': '>= 3', 'passed': p >= 3},
              'wards': {'value': n, 'required': f'>= {p}', 'passed': n >= p}}
    result = {'ran': False, 'checks': checks, 'kmo': None, 'bartlett': None}
    if p >= 2 and n >= 2:
        correlation = np.corrcoef(z, rowvar=False)
        # rounded so float noise cannot decide the threshold (collinear variables give exactly 0.5)
        result['kmo'] = round(kmo(correlation), 10)
        chi2, df, p_value = bartlett(correlation, n)
        result['bartlett'] = {'chi2': chi2, 'df': df, 'p_value': p_value}
        checks['kmo'] = {'value': result['kmo'], 'required': f'>= {MIN_KMO}', 'passed': result['kmo'] >= MIN_KMO}
        checks['bartlett'] = {'value': p_value, 'required': f'p < {MAX_BARTLETT_P}', 'passed': p_value < MAX_BARTLETT_P}
    failed = [name for name, check in checks.items() if not check['passed']]
    if failed or 'kmo' not in checks:
        result['reason'] = 'PCA not run: ' + '; '.join(
            f'{name} {checks[name]["value"]:.4g} fails {checks[name]["required"]}' for name in failed)
        return result
    _, singular, vt = np.linalg.svd(z, full_matrices=False)
    variance = singular ** 2
    ratio = variance / variance.sum()
    k = component_count(p)
    loadings = vt[:k].copy()
    for j in range(k):
        if legacy:
            flip = loadings[j, np.argmax(np.abs(loadings[j]))] < 0
        else:
            flip = loadings[j].sum() < 0
        if flip:
            loadings[j] = -loadings[j]
    components = z @ loadings.T
    used = min(3, k)
    score = components[:, :used] @ ratio[:used]
    importance = (np.abs(loadings) * ratio[:k, None]).sum(axis=0)
    result.update({
        'ran': True, 'components': k, 'score_components': used, 'score': score,
        'eigenvalues': (variance / n)[:k], 'explained_variance': ratio[:k], 'cumulative_variance': np.cumsum(ratio)[:k],
        'loadings': {name: loadings[:, i] for i, name in enumerate(names)},
        'importance': dict(zip(names, importance / importance.sum())),
    })
    return result
