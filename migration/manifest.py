"""A run's manifest: every source file with its sha256, every item and object written.

One JSON file per instance and stage, rewritten whole after each step (a
temporary file renamed over it, so an interruption leaves the last complete
one). `apply` resumes from it, `verify` checks against it and `rollback` removes
exactly the entries whose state is `written`.

Entry states: `pending` (about to be written: if the next run finds it, this run
wrote it), `written` (this run wrote it), `existing` (it was there already:
never removed), `refused` (the service refused it: nothing was written),
`removed` / `kept` (after a rollback).
"""
import hashlib
import json
import os
import pathlib
import secrets
import time

FORMAT = 1
PENDING, WRITTEN, EXISTING, REFUSED, REMOVED, KEPT = 'pending', 'written', 'existing', 'refused', 'removed', 'kept'
OURS = (WRITTEN, KEPT)              # written by this run (and still there)
PRESENT = (WRITTEN, EXISTING, KEPT)


def fingerprint(values):
    """sha256 of the canonical JSON of `values`: what verify compares."""
    return hashlib.sha256(json.dumps(values, sort_keys=True, separators=(',', ':'), default=str).encode()).hexdigest()


def default_path(root, stage, instance):
    return pathlib.Path(root) / '.local' / 'migrations' / (
        f'{stage}-{hashlib.sha256(str(instance).encode()).hexdigest()[:12]}.json')


class Manifest:
    def __init__(self, path, data):
        self.path = pathlib.Path(path)
        self.data = data

    @classmethod
    def load(cls, path):
        path = pathlib.Path(path)
        data = json.loads(path.read_text())
        if data.get('format') != FORMAT:
            raise ValueError(f'{path} is not a migration manifest of format {FORMAT}')
        return cls(path, data)

    @classmethod
    def open(cls, path, instance, stage, mapping):
        """The manifest at `path` to continue, or a new run's."""
        path = pathlib.Path(path)
        if path.exists():
            manifest = cls.load(path)
            if manifest.data['instance'] != str(instance) or manifest.data['stage'] != stage:
                raise ValueError(f'{path} is the manifest of {manifest.data["instance"]} into '
                                 f'{manifest.data["stage"]}: pass --manifest for another one')
            return manifest
        stamp = time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())
        return cls(path, {'format': FORMAT, 'run_id': f'{stamp}-{secrets.token_hex(4)}', 'instance': str(instance),
                          'stage': stage, 'mapping': str(mapping), 'started_at': stamp, 'status': 'running',
                          'sources': {}, 'entries': [], 'report': {}})

    @property
    def entries(self):
        return self.data['entries']

    def find(self, kind, source):
        return next((e for e in self.entries if e['kind'] == kind and e['source'] == source), None)

    def present(self, kind, source):
        """The entry of `source` while what it records is there (not refused, not rolled back)."""
        entry = self.find(kind, source)
        return entry if entry is not None and entry['state'] in PRESENT else None

    def record(self, kind, source, state, **fields):
        """The entry of `source`: added, or (written again after a rollback) updated."""
        entry = self.find(kind, source)
        if entry is None:
            return self.add(kind, source, state, **fields)
        entry.pop('kept_because', None)
        entry.update(fields, state=state)
        return entry

    def of_kind(self, kind, states=PRESENT):
        return [e for e in self.entries if e['kind'] == kind and e['state'] in states]

    def add(self, kind, source, state, **fields):
        entry = dict(fields, kind=kind, source=source, state=state)
        self.entries.append(entry)
        return entry

    def save(self):
        """All of it or nothing: a temporary file renamed over the old one (it names the old
        users' emails: readable by the operator only)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_suffix('.tmp')
        partial.write_text(json.dumps(self.data, indent=1, sort_keys=True) + '\n')
        os.chmod(partial, 0o600)
        partial.replace(self.path)
