"""The two packages of the functions, cut from the one package Chalice builds (`make package`).

Chalice puts every function of the app in one package: all of requirements.txt, 206 MB
unzipped. The API's functions (REST, WebSocket, Cognito triggers) import none of the
analysis libraries, so they run `api.zip`: the app's code and the distributions they
import (pydantic and PyJWT with theirs), about 21 MB. The workers (uploads, analysis
stages, chat turns, the events) and the few REST routes that compute run `worker.zip`:
everything but what no function runs (the dependencies' test folders, plotly's Python code
beside its package data, its Jupyter extension and widget bundle, C headers, type stubs and
numpy's build tools, and the token libraries, as only the API verifies tokens), with the
symbol tables stripped from its extension modules (`strip`, binutils).

`check` proves each package serves its functions on its own: in a fresh interpreter
that sees the package and the standard library only, app.py imports and every handler
of the package's functions resolves; the API's package holds none of numpy, pandas,
plotly, pyproj and shapely; in the workers' a small analysis runs, its maps are drawn,
its report and dataset files written, a ward TPR read and a projection looked up.
"""
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from types import MappingProxyType

MB = 1024 * 1024
CHALICE_PACKAGE = 'deployment.zip'
API_PACKAGE, WORKER_PACKAGE = 'api.zip', 'worker.zip'
BUDGETS = MappingProxyType({API_PACKAGE: 30 * MB, WORKER_PACKAGE: 150 * MB})   # unzipped
HEAVY = ('numpy', 'pandas', 'plotly', 'pyproj', 'shapely')
# What the API's functions import besides the app (requirements.txt's pydantic and PyJWT[crypto], and theirs).
API_DISTRIBUTIONS = frozenset({'pydantic', 'pydantic_core', 'typing_extensions', 'typing_inspection',
                               'annotated_types', 'pyjwt', 'cryptography', 'cffi', 'pycparser'})
TOKEN_DISTRIBUTIONS = frozenset({'pyjwt', 'cryptography', 'cffi', 'pycparser'})   # tokens: the API's alone
TEST_FOLDER = re.compile(r'(^|/)tests?/')
NEVER_RUN = (
    TEST_FOLDER,
    re.compile(r'^plotly/labextension/|^plotly/package_data/widgetbundle\.js$|^plotly-[^/]+\.data/'),   # Jupyter
    # plotly's Python package and what it imports: the maps are written as the plain JSON plotly.js takes
    # (chalicelib.viz.plotlyjs), which reads only plotly's package data (plotly.js, the template).
    re.compile(r'^plotly/(?!__init__\.py$|package_data/)|^_plotly_utils/|^narwhals/'),
    re.compile(r'^numpy/(f2py|distutils|_core/include|_core/lib)/'),   # building extensions
    re.compile(r'\.(pyi|pxd|pyx|h)$'),                                 # type stubs, C sources and headers
)
# Extension modules, stripped of their symbol tables; not the libraries wheels vendor in `*.libs/`,
# whose program headers patchelf rewrote and `strip` breaks (numpy's OpenBLAS would not load).
SHARED_LIBRARY = re.compile(r'^(?![^/]+\.libs/).*\.so(\.[\d.]+)?$')
DIST_INFO = re.compile(r'^(?P<name>[^/]+?)-[^-/]+\.dist-info/')


class PackageError(Exception):
    """The package cannot be deployed; the message says why and what to do."""


def distribution_name(name):
    return re.sub(r'[-_.]+', '_', name).lower()


def owners(archive):
    """member name -> its distribution (normalised name), from each dist-info's RECORD; the
    app's own files (app.py, chalicelib/, Chalice's runtime) belong to none."""
    owned = {}
    for info in archive.infolist():
        match = DIST_INFO.match(info.filename)
        if match and info.filename.endswith('/RECORD'):
            name = distribution_name(match.group('name'))
            for line in archive.read(info).decode('utf-8').splitlines():
                if line.strip():
                    owned[line.split(',')[0]] = name
        if match:
            owned[info.filename] = distribution_name(match.group('name'))
    return owned


def destinations(member, owner):
    """The packages a member goes to (the app's own files to both)."""
    if any(rule.search(member) for rule in NEVER_RUN):
        return ()
    if owner is None:
        return (API_PACKAGE, WORKER_PACKAGE)
    return tuple(package for package, wanted in ((API_PACKAGE, owner in API_DISTRIBUTIONS),
                                                 (WORKER_PACKAGE, owner not in TOKEN_DISTRIBUTIONS)) if wanted)


def split(out):
    """`out`/deployment.zip into `out`/api.zip and worker.zip (Chalice's package removed);
    extension modules stripped when binutils' `strip` is there (else said)."""
    source = out / CHALICE_PACKAGE
    strip = shutil.which('strip')
    if strip is None:
        print('packages: no `strip` (binutils): extension modules keep their symbol tables')
    with zipfile.ZipFile(source) as archive, tempfile.TemporaryDirectory() as temp:
        owned = owners(archive)
        targets = {name: zipfile.ZipFile(out / name, 'w', zipfile.ZIP_DEFLATED) for name in BUDGETS}
        try:
            for info in archive.infolist():
                wanted = destinations(info.filename, owned.get(info.filename))
                if not wanted:
                    continue
                data = archive.read(info)
                if strip and SHARED_LIBRARY.search(info.filename):
                    data = stripped(strip, data, pathlib.Path(temp))
                for name in wanted:
                    copy = zipfile.ZipInfo(info.filename, info.date_time)
                    copy.external_attr, copy.compress_type = info.external_attr, zipfile.ZIP_DEFLATED
                    targets[name].writestr(copy, data)
        finally:
            for target in targets.values():
                target.close()
    source.unlink()


def stripped(strip, data, temp):
    """An extension module without its symbol tables and debugging sections (what it exports stays)."""
    path = temp / 'library.so'
    path.write_bytes(data)
    subprocess.run([strip, '--strip-unneeded', str(path)], check=True, capture_output=True)
    return path.read_bytes()


def unzipped_size(path):
    with zipfile.ZipFile(path) as archive:
        return sum(info.file_size for info in archive.infolist())


def check_budgets(out):
    """Each package's unzipped size against its budget; test folders nowhere."""
    for name, budget in BUDGETS.items():
        size = unzipped_size(out / name)
        print(f'package {name:<12} {size / MB:7.1f} MB unzipped (budget {budget // MB} MB)')
        if size > budget:
            raise PackageError(f'{name} is {size / MB:.1f} MB unzipped, over its {budget // MB} MB budget: '
                               'leave out what its functions do not import (infra/packages.py)')
        with zipfile.ZipFile(out / name) as archive:
            tests = sorted({TEST_FOLDER.split(n)[0] for n in archive.namelist() if TEST_FOLDER.search(n)})
        if tests:
            raise PackageError(f'{name} holds test folders: {", ".join(tests)}')


# Run in a fresh interpreter (-I -S: no site-packages, no environment paths) with the package's folder.
CHECK = '''
import importlib, importlib.util, json, sys
folder, handlers, worker = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3] == 'worker'
sys.path.insert(0, folder)
unresolved = [h for h in handlers if not callable(getattr(importlib.import_module(h.rpartition('.')[0]),
                                                          h.rpartition('.')[2], None))]
present = [m for m in %r if importlib.util.find_spec(m) is not None]
if worker:
    import pyproj
    from chalicelib import reports, viz
    from chalicelib.analysis import prepare_dataset, run_analysis
    from chalicelib.analysis.synthetic import generate_state
    from chalicelib.analysis.tpr import read_facility_export
    pyproj.CRS.from_epsg(3857)
    prepared = prepare_dataset(generate_state(30, seed=0, boundaries_format='shapefile'))
    result = run_analysis(prepared, {}).to_dict()
    prepared.to_canonical(), viz.draw(result), reports.build(result, {}, {})
print(json.dumps({'unresolved': unresolved, 'present': present}))
''' % (HEAVY,)


def check(out, handlers, environment):
    """Prove each package serves its functions alone. `handlers`: {package: [handler, ...]};
    `environment`: what the functions' environment holds (app.py reads its settings at import)."""
    for name, wanted in handlers.items():
        worker = name == WORKER_PACKAGE
        with tempfile.TemporaryDirectory() as folder:
            with zipfile.ZipFile(out / name) as archive:
                archive.extractall(folder)
            proc = subprocess.run([sys.executable, '-I', '-S', '-c', CHECK, folder, json.dumps(sorted(wanted)),
                                   'worker' if worker else 'api'], cwd=folder, capture_output=True, text=True,
                                  env={'PATH': os.environ.get('PATH', ''), **environment}, timeout=900)
        if proc.returncode:
            raise PackageError(f'{name} cannot serve its functions on its own:\n{proc.stderr[-3000:]}')
        found = json.loads(proc.stdout.strip().splitlines()[-1])
        if found['unresolved']:
            raise PackageError(f'{name}: handlers not found: {", ".join(found["unresolved"])}')
        if not worker and found['present']:
            raise PackageError(f'{name} holds {", ".join(found["present"])}, which the API functions must not load')
        print(f'package {name:<12} serves its {len(wanted)} handler(s) alone'
              + (' and runs an analysis, its maps and report' if worker else f', without {", ".join(HEAVY)}'))
