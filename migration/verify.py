"""`verify`: the target against the manifest and the instance, by counts and checksums.

Counts, per kind: what the plan of the instance as it is now says a complete run
writes, what the manifest records, and what the target holds. Checksums: every
recorded item's fingerprint and every object's sha256 read back, each object's
against its source file's, and every source file's against the one the run read.
"""
import hashlib
from collections import Counter

from chalicelib.storage.datasets import READY
from migration.apply import (
    analysis_fingerprint, cognito_fingerprint, cognito_user, conversation_fingerprint, dataset_fingerprint,
    message_fingerprint, profile_fingerprint)
from migration.manifest import PRESENT

KINDS = ('cognito_user', 'profile', 'dataset', 'uploaded_file', 'analysis', 'archived_result', 'conversation',
         'message', 'archived_analytics')
COPIES = ('uploaded_file', 'archived_result', 'archived_analytics')


def _object_sha(target, key):
    s3 = target.s3
    try:
        body = s3.get_object(Bucket=target.settings.data_bucket, Key=key)['Body'].read()
    except s3.exceptions.NoSuchKey:
        return None
    return hashlib.sha256(body).hexdigest()


def current(target, entry):
    """The fingerprint (or sha256) of what the target holds for `entry` now; None when it is gone."""
    deps, kind, sub = target.deps, entry['kind'], entry.get('user_id')
    if kind == 'cognito_user':
        attributes = cognito_user(target, entry['email'])
        return cognito_fingerprint(attributes) if attributes and attributes['sub'] == sub else None
    if kind in COPIES:
        return _object_sha(target, entry['key'])
    item = {'profile': lambda: deps.users.get(sub),
            'dataset': lambda: deps.datasets.get(sub, entry['dataset_id']),
            'analysis': lambda: deps.analyses.get(sub, entry['analysis_id']),
            'conversation': lambda: deps.conversations.header(sub, entry['conversation_id']),
            'message': lambda: deps.conversations.message(sub, entry['conversation_id'], entry['message_id'])}[kind]()
    prints = {'profile': profile_fingerprint, 'dataset': dataset_fingerprint, 'analysis': analysis_fingerprint,
              'conversation': conversation_fingerprint, 'message': message_fingerprint}
    return prints[kind](item) if item else None


def planned(plan, manifest):
    """The plan's counts; analyses only for the datasets that validated READY."""
    counts = plan.counts()
    counts['analysis'] = sum(1 for u in plan.migrated() for p in u.uploads if p.method and not p.refused and (
        manifest.find('dataset', f'uploads/{p.upload.folder}') or {}).get('status') == READY)
    return counts


def verify(manifest, target, plan, inventory):
    """(ok, lines)."""
    lines, ok = [], True
    sources = manifest.data['sources']
    changed = sorted(p for p, sha in sources.items() if inventory.sources.get(p) != sha)
    if changed:
        ok = False
        lines.extend(f'source changed or gone since the run: {p}' for p in changed)
    recorded, present = Counter(), Counter()
    for entry in manifest.entries:
        if entry['state'] not in PRESENT:
            continue
        recorded[entry['kind']] += 1
        found = current(target, entry)
        if found is None:
            lines.append(f'missing: {entry["kind"]} from {entry["source"]}')
        elif found != entry['sha256'] or (entry['kind'] in COPIES and entry['sha256'] != sources.get(entry['source'])):
            lines.append(f'checksum differs: {entry["kind"]} from {entry["source"]}')
        else:
            present[entry['kind']] += 1
    expected = planned(plan, manifest)
    lines.insert(0, f'{"kind":<20}{"planned":>9}{"recorded":>10}{"present":>9}')
    for kind in KINDS:
        row = (expected.get(kind, 0), recorded[kind], present[kind])
        lines.insert(KINDS.index(kind) + 1, f'{kind:<20}{row[0]:>9}{row[1]:>10}{row[2]:>9}'
                     + ('' if len(set(row)) == 1 else '   <- differs'))
        ok = ok and len(set(row)) == 1
    checked = sum(recorded.values())
    lines.append(f'{checked} checksums compared, {checked - sum(present.values())} differ or are missing; '
                 f'{len(sources)} source files, {len(changed)} changed')
    if manifest.data['status'].startswith('rolled back'):
        lines.append(f'the run was {manifest.data["status"]}: what it removed is missing on purpose')
    lines.append('verify: OK' if ok else 'verify: DIFFERENCES (see above)')
    return ok, lines
