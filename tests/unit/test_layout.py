"""The layout stays readable: no import circle, a pure domain, storage that knows no lifecycle.

The import graph is read from the source, so an import inside a function counts
as much as one at the top: a lazy import still ties the two modules together.
"""
import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
PACKAGES = ('chalicelib', 'devstack', 'bench', 'cli', 'migration')
SOURCES = sorted([ROOT / 'app.py', *(ROOT / 'infra').glob('*.py'),
                  *(path for package in PACKAGES for path in (ROOT / package).rglob('*.py'))])
TOOLING = ('devstack', 'bench', 'cli', 'migration', 'tests')
AWS_LIBRARIES = ('boto3', 'botocore', 'chalice')
# The domain in layers: each imports only itself and the layers below it (and the list of states).
DOMAIN = {
    'chalicelib.analysis': ('chalicelib.analysis', 'chalicelib.nigeria'),
    'chalicelib.viz': ('chalicelib.viz', 'chalicelib.analysis', 'chalicelib.nigeria'),
    'chalicelib.reports': ('chalicelib.reports', 'chalicelib.viz', 'chalicelib.analysis', 'chalicelib.nigeria'),
}
LIFECYCLES = tuple(f'chalicelib.{name}' for name in ('datasets', 'analyses', 'progress', 'accounts', 'conversations',
                                                      'web', 'deps'))


def module_name(path, root=ROOT):
    parts = path.relative_to(root).with_suffix('').parts
    return '.'.join(parts[:-1] if parts[-1] == '__init__' else parts)


def imports_in(source, name, is_package, modules):
    """(imported module, line) for every import in `source`, relative ones resolved.

    `from package import name` names the submodule when `name` is one of `modules`.
    """
    package = name if is_package else name.rpartition('.')[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module
            if node.level:
                anchor = package.split('.')[:len(package.split('.')) - node.level + 1]
                base = '.'.join(anchor + ([node.module] if node.module else []))
            for alias in node.names:
                submodule = f'{base}.{alias.name}'
                yield (submodule if submodule in modules else base), node.lineno


def import_graph(sources=SOURCES, root=ROOT):
    """{module: {imported module: first line}} for the project's modules."""
    paths = {module_name(path, root): path for path in sources}
    graph = {}
    for name, path in paths.items():
        found = graph[name] = {}
        for imported, line in imports_in(path.read_text(), name, path.name == '__init__.py', paths):
            found.setdefault(imported, line)
    return graph


def find_cycle(graph):
    """One import circle among the graph's own modules, as [a, b, ..., a], or None."""
    state = {}

    def visit(module, trail):
        state[module] = 'open'
        trail.append(module)
        for imported in graph[module]:
            if imported not in graph:
                continue
            if state.get(imported) == 'open':
                return trail[trail.index(imported):] + [imported]
            if imported not in state and (cycle := visit(imported, trail)):
                return cycle
        state[module] = 'done'
        trail.pop()
        return None

    for module in graph:
        if module not in state and (cycle := visit(module, [])):
            return cycle
    return None


def within(name, prefixes):
    return any(name == prefix or name.startswith(prefix + '.') for prefix in prefixes)


def breaches(inside, allowed):
    """'module:line imports X' for every import by a module under `inside` that `allowed` refuses."""
    return [f'{module}:{line} imports {imported}'
            for module, imports in GRAPH.items() if within(module, inside)
            for imported, line in imports.items() if not allowed(imported)]


GRAPH = import_graph()


def test_no_import_circle():
    cycle = find_cycle(GRAPH)
    assert cycle is None, 'import circle: ' + ' -> '.join(cycle)


def test_chalicelib_imports_no_tooling():
    assert breaches(('chalicelib',), lambda imported: not within(imported, TOOLING)) == []


@pytest.mark.parametrize('layer', DOMAIN)
def test_the_domain_imports_no_aws_and_only_the_layers_below(layer):
    def allowed(imported):
        if within(imported, ('chalicelib',)):
            return within(imported, DOMAIN[layer])
        return not within(imported, AWS_LIBRARIES)
    assert breaches((layer,), allowed) == []


def test_storage_imports_no_lifecycle():
    assert breaches(('chalicelib.storage',), lambda imported: not within(imported, LIFECYCLES)) == []


def test_the_graph_resolves_relative_and_function_level_imports(tmp_path):
    files = {
        'pkg/__init__.py': '',
        'pkg/a.py': 'from . import b\nfrom .sub.c import thing\n',
        'pkg/b.py': 'def late():\n    from ..pkg import a\n    import boto3\n',
        'pkg/sub/__init__.py': 'from .. import b\n',
        'pkg/sub/c.py': 'from pkg.sub import d\n',
        'pkg/sub/d.py': '',
    }
    for relative, source in files.items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(source)
    graph = {module: set(imports) for module, imports in
             import_graph(sorted(tmp_path.rglob('*.py')), tmp_path).items()}
    assert graph['pkg.a'] == {'pkg.b', 'pkg.sub.c'}
    assert graph['pkg.b'] == {'pkg.a', 'boto3'}
    assert graph['pkg.sub'] == {'pkg.b'}
    assert graph['pkg.sub.c'] == {'pkg.sub.d'}


def test_the_cycle_finder_names_the_circle():
    graph = {'a': {'b': 1}, 'b': {'c': 1, 'json': 2}, 'c': {'a': 3}, 'd': {'a': 1}}
    assert find_cycle(graph) == ['a', 'b', 'c', 'a']
    assert find_cycle({'a': {'b': 1}, 'b': {'json': 1}, 'c': {'a': 1, 'b': 2}}) is None
