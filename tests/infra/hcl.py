"""Reading Terraform as the tests see it: infra/*.tf parsed by checkov's HCL parser."""
import importlib.util
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
INFRA = ROOT / 'infra'
TOOLS = ROOT / '.venv-tools' / 'bin'

# Parses every .tf file with the parser checkov uses, prints {path: parsed} as JSON.
PARSE_SCRIPT = '''
import json, pathlib, sys
import hcl2
root = pathlib.Path(sys.argv[1])
parsed = {}
for path in sorted(root.rglob("*.tf")):
    with open(path) as handle:
        parsed[str(path.relative_to(root))] = hcl2.load(handle)
print(json.dumps(parsed))
'''


def tool(name):
    path = TOOLS / name
    if not path.exists():
        pytest.fail(f'{path} is missing: run `make tools` (infra/requirements-tools.txt)')
    return path


def normalize(value):
    """hcl2 wraps every attribute and block in a list; unwrap single items, drop line markers."""
    if isinstance(value, dict):
        return {k: normalize(v) for k, v in value.items() if k not in ('__start_line__', '__end_line__')}
    if isinstance(value, list):
        return normalize(value[0]) if len(value) == 1 else [normalize(v) for v in value]
    return value


def as_list(value):
    """A block that may appear once (a dict after normalize) or several times (a list)."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


class Config:
    """infra/*.tf parsed, with lookups by block type and name."""

    def __init__(self, parsed):
        self.files = parsed

    def blocks(self, kind, type_=None, under=''):
        """{name: body} of every `kind` block (resource, data, module...) of `type_`."""
        found = {}
        for path, content in self.files.items():
            if not path.startswith(under) or (not under and path.startswith('modules/')):
                continue
            for entry in content.get(kind, []):
                if type_ is None:
                    found.update({name: normalize(body) for name, body in entry.items()})
                elif type_ in entry:
                    found.update({name: normalize(body) for name, body in entry[type_].items()})
        return found

    def locals(self):
        merged = {}
        for path, content in self.files.items():
            for entry in content.get('locals', []):
                merged.update(normalize(entry))
        return merged


def load_script(name):
    """infra/<name>.py as a module (infra/ is a folder of scripts, not a package)."""
    spec = importlib.util.spec_from_file_location(f'infra_{name}', INFRA / f'{name}.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
