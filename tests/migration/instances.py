"""Small ChatMRPT instance/ folders built in a test's tmp dir, in the formats of ChatMRPT's writers:
users.db (app/auth/user_model.py, werkzeug hashes), conversation_history/{uid}.json
(conversation_history.py's file fallback), memory/{sid}.json (memory_service.py) and
memory/{sid}_memory.json (session_memory.py), uploads/{sid}/ with the old file names.

The real ward data is copied from ../shared/data at test time, never into the repository.
Old rankings are what the legacy preset computes on the same files, written as ChatMRPT wrote
them (WardName, median_score, overall_rank, vulnerability_category; the PCA file as pca_pipeline.py).
"""
import csv
import io
import json
import pickle
import secrets
import sqlite3
import uuid
from datetime import datetime, timedelta, timezone

from werkzeug.security import generate_password_hash

from chalicelib.analysis import prepare_dataset, run_analysis
from tests.analysis import fixtures_tpr as fx
from tests.processing import builders as b

START = datetime(2024, 5, 1, 9, 0, tzinfo=timezone.utc)
CATEGORIES = {'High': 'High Risk', 'Medium': 'Medium Risk', 'Low': 'Low Risk'}


class Unpickled:
    """What a pickle from the old server could do when loaded: here, leave a file behind."""

    def __init__(self, sentinel):
        self.sentinel = str(sentinel)

    def __reduce__(self):
        return open, (self.sentinel, 'w')


class Instance:
    def __init__(self, root):
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.passwords = {}
        with sqlite3.connect(root / 'users.db') as db:
            db.execute('CREATE TABLE IF NOT EXISTS users (id TEXT PRIMARY KEY, email TEXT UNIQUE NOT NULL, '
                       'username TEXT UNIQUE NOT NULL, password_hash TEXT NOT NULL, '
                       'created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP, last_login TIMESTAMP, '
                       'is_active BOOLEAN DEFAULT 1, role TEXT DEFAULT \'user\')')
            db.execute('CREATE TABLE IF NOT EXISTS user_sessions (token TEXT PRIMARY KEY, user_id TEXT NOT NULL, '
                       'created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP, expires_at TIMESTAMP NOT NULL)')

    def write(self, relative, data):
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data if isinstance(data, bytes) else data.encode())
        return path

    def user(self, email, active=True):
        uid = secrets.token_hex(16)
        password = secrets.token_urlsafe(9)
        self.passwords[email] = (password, generate_password_hash(password))
        with sqlite3.connect(self.root / 'users.db') as db:
            db.execute('INSERT INTO users (id, email, username, password_hash, is_active) VALUES (?, ?, ?, ?, ?)',
                       (uid, email, email.split('@')[0] + uid[:4], self.passwords[email][1], int(active)))
            db.execute('INSERT INTO user_sessions (token, user_id, expires_at) VALUES (?, ?, ?)',
                       (secrets.token_hex(32), uid, '2030-01-01T00:00:00'))
        return uid

    def history(self, uid, sid, title, created=START, **meta):
        path = self.root / 'conversation_history' / f'{uid}.json'
        history = json.loads(path.read_text()) if path.exists() else {}
        history[sid] = {'title': title, 'created_at': str(created.timestamp()),
                        'last_activity': str((created + timedelta(hours=1)).timestamp()), 'has_files': '1',
                        'preview': title[:120], 'user_id': uid, **meta}
        self.write(path.relative_to(self.root), json.dumps(history, indent=2))

    def conversation(self, uid, title, messages, created=START, analysis=None):
        """A registered conversation; `messages` are (role, text) a minute apart, in session memory and
        (the short copy) in the memory service's file, plus a system prompt only the old server read;
        `analysis` the session memory's analysis context."""
        sid = str(uuid.uuid4())
        self.history(uid, sid, title, created)
        self.memory(sid, messages, created, analysis)
        return sid

    def memory(self, sid, messages, created=START, analysis=None):
        at = [created + timedelta(minutes=i) for i in range(len(messages))]
        full = [{'timestamp': t.replace(tzinfo=None).isoformat(), 'type': role, 'content': text, 'metadata': {}}
                for t, (role, text) in zip(at, messages)]
        full.insert(0, {'timestamp': created.replace(tzinfo=None).isoformat(), 'type': 'system',
                        'content': 'You are ChatMRPT.', 'metadata': {}})
        self.write(f'memory/{sid}_memory.json', json.dumps({
            'session_id': sid, 'conversation_history': full, 'analysis_context': analysis, 'user_preferences': {},
            'key_entities': {}, 'last_updated': at[-1].replace(tzinfo=None).isoformat() if at else None}, indent=2))
        short = [{'t': t.strftime('%Y-%m-%dT%H:%M:%SZ'), 'role': role, 'content': text[:2000], 'meta': {}}
                 for t, (role, text) in zip(at, messages)]
        self.write(f'memory/{sid}.json', json.dumps({'messages': short, 'facts': {'stage': 'post_analysis'}}))

    def upload(self, folder, files):
        for name, data in files.items():
            self.write(f'uploads/{folder}/{name}', data)
        return folder

    def pickle(self, relative, sentinel):
        self.write(relative, pickle.dumps(Unpickled(sentinel)))


def place_upload(shared, place):
    """The real ward data and boundaries of `place` (niger or ilorin) as ChatMRPT kept an upload."""
    data, boundaries = {'niger': ('niger/Niger_plus.csv', 'niger/Niger_State.zip'),
                        'ilorin': ('ilorin/example.csv', 'ilorin/Ilorin_3LGA.zip')}[place]
    return {'raw_data.csv': (shared / data).read_bytes(), 'raw_shapefile.zip': (shared / boundaries).read_bytes()}


def grid_upload(side=3, seed=1):
    """A small generated upload (tests/processing/builders.py's grid) as ChatMRPT kept it."""
    wards = b.grid_wards(side, seed)
    return {'raw_data.csv': b.csv_bytes(wards), 'raw_shapefile.zip': b.zip_bytes(b.shapefile_members(wards, side))}


def legacy_results(upload, swap=False):
    """(variables used, {old result file: bytes}) of the legacy analysis of `upload`, as ChatMRPT
    saved them; `swap` trades the ranks of the first two wards, as if the old tool had ranked
    them otherwise."""
    prepared = prepare_dataset({'data': ('raw_data.csv', upload['raw_data.csv']),
                                'boundaries': ('raw_shapefile.zip', upload['raw_shapefile.zip'])})
    chosen = run_analysis(prepared, {'method': 'both', 'preset': 'mrpt-legacy'})
    variables = [v['name'] for v in chosen.variables]
    result = run_analysis(prepared, {'method': 'both', 'preset': 'mrpt-legacy', 'variables': variables})
    rows = result.rankings
    files = {}
    composite = sorted(rows, key=lambda r: r['composite_rank'])
    if swap:
        composite[0], composite[1] = dict(composite[1]), dict(composite[0])
        composite[0]['composite_rank'], composite[1]['composite_rank'] = 1, 2
    files['analysis_vulnerability_rankings.csv'] = _csv(
        ['WardName', 'median_score', 'overall_rank', 'vulnerability_category'],
        [[r['ward_name'], repr(r['composite_score']), r['composite_rank'], CATEGORIES[r['composite_category']]]
         for r in composite])
    if rows[0]['pca_rank'] is not None:
        pca = sorted(rows, key=lambda r: r['pca_rank'])
        files['analysis_vulnerability_rankings_pca.csv'] = _csv(
            ['WardName', 'pca_score', 'pca_rank', 'vulnerability_category', 'overall_rank', 'median_score', 'value'],
            [[r['ward_name'], repr(r['pca_score']), r['pca_rank'], CATEGORIES[r['pca_category']], r['pca_rank'],
              repr(r['pca_score']), repr(r['pca_score'])] for r in pca])
    return variables, files


def tpr_upload(wards, boundaries):
    """A facility export for `wards` (dicts with WardName and lga_name) with the boundaries, and the
    ward TPR ChatMRPT saved for it."""
    old = _csv(['WardName', 'LGA', 'TPR', 'Total_Tested', 'Total_Positive'],
               [[w['WardName'], w['lga_name'], repr(100.0 * (5 + n % 7) / (20 + n)), 20 + n, 5 + n % 7]
                for n, w in enumerate(wards)])
    return {'uploaded_data.csv': fx.niger_export(wards), 'raw_shapefile.zip': boundaries, 'tpr_results.csv': old}


def real_uploads(shared):
    """Alice's Niger, Bob's Ilorin and a Niger facility export, from ../shared/data."""
    return (place_upload(shared, 'niger'), place_upload(shared, 'ilorin'),
            tpr_upload(fx.niger_rows(shared), (shared / 'niger' / 'Niger_State.zip').read_bytes()))


def grid_uploads():
    """The same three made of small generated grids (quick to validate and rank)."""
    first, second = grid_upload(3, 1), grid_upload(3, 2)
    wards = [{'WardName': w['WardName'], 'lga_name': w['LGA']} for w in b.grid_wards(3, 1)]
    return first, second, tpr_upload(wards, first['raw_shapefile.zip'])


def _csv(header, rows):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator='\n')
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def mapping_csv(path, rows):
    path.write_text('email,organization,role,region\n' + ''.join(','.join(r) + '\n' for r in rows))
    return path
