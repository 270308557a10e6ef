"""What a ChatMRPT (Flask) `instance/` folder holds, read without changing it.

The formats are those of ChatMRPT's writers: `users.db` (app/auth/user_model.py),
`conversation_history/{uid}.json` (app/services/conversation_history.py, its file
fallback), `memory/{sid}.json` (app/services/memory_service.py), `memory/{sid}_memory.json`
(app/services/session_memory.py) and `uploads/{sid}/` (a child session is `{base}__{id}`).

Every file is hashed; nothing is executed or unpickled. A file is migrated only
through the owner its conversation history names, and an owner is trusted only
when exactly one user's history names the session: the old server leaked sessions
between users, so a session two users claim belongs to neither here.
"""
import hashlib
import json
import os
import pathlib
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timezone
from types import MappingProxyType

# The ward data, boundaries and facility export of an upload folder, by the dataset role they
# become (first name present wins).
UPLOAD_ROLES = MappingProxyType({
    'data': ('raw_data.csv', 'raw_data.xlsx'),
    'boundaries': ('raw_shapefile.zip',),
    'tpr': ('uploaded_data.csv', 'data_analysis.xlsx'),
})
RESULT_FILES = frozenset({
    'unified_dataset.csv', 'unified_dataset.geoparquet', 'analysis_vulnerability_rankings.csv',
    'analysis_vulnerability_rankings_pca.csv', 'itn_distribution_results.json', 'itn_distribution_results.csv',
    'itn_parameters.json', 'tpr_results.csv', 'tpr_time_series.csv'})
ANALYTICS = frozenset({'interactions.db', 'survey.db', 'prepost_test.db', 'arena_stats.json'})
CACHES = frozenset({'.agent_state.json', 'metadata_cache.json'})
PICKLES = ('.pickle', '.pkl')
NEVER_UNPICKLED = 'a pickle from the old server is never loaded'
# Old message types -> the chat's roles; `system` prompts are not part of a conversation a person reads.
ROLES = MappingProxyType({'user': 'user', 'assistant': 'assistant', 'analysis': 'assistant'})
# Memory-service copies of a session-memory message: same role and text, this close in time.
DUPLICATE_SECONDS = 120
MEMORY_SERVICE_TEXT = 2000


class InstanceError(Exception):
    """The folder is not a ChatMRPT instance the migration can read; the message says why."""


@dataclass(frozen=True)
class OldUser:
    user_id: str
    email: str
    username: str
    created_at: str
    is_active: bool


@dataclass(frozen=True)
class Message:
    role: str
    text: str
    at: datetime
    source: str


@dataclass
class Conversation:
    sid: str
    owner: str
    title: str
    created_at: datetime
    last_activity: datetime
    messages: list = field(default_factory=list)
    sources: list = field(default_factory=list)
    dropped: dict = field(default_factory=dict)      # reason -> count (system prompts, empty, duplicates)


@dataclass
class Upload:
    folder: str
    owner: str
    sid: str                                          # the conversation it belongs to
    files: dict                                       # role -> relative path
    results: dict                                     # result file name -> relative path
    variables: tuple = ()                             # what the old analysis used (session memory)
    modified: float = 0.0


@dataclass
class Inventory:
    root: pathlib.Path
    sources: dict                                     # relative path -> sha256
    users: list
    conversations: dict                               # sid -> Conversation (owned ones only)
    uploads: list
    archive: list                                     # analytics, archived as they are
    left: list                                        # (relative path or session, reason): not migrated

    def of(self, user_id):
        """The conversations and uploads of one old user, in a stable order."""
        return ([c for _, c in sorted(self.conversations.items()) if c.owner == user_id],
                [u for u in self.uploads if u.owner == user_id])


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, 'rb') as handle:
        for block in iter(lambda: handle.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def read_instance(root):
    """The inventory of `root` (an `instance/` folder)."""
    root = pathlib.Path(root).resolve()
    if not root.is_dir():
        raise InstanceError(f'{root} is not a folder: pass the ChatMRPT instance/ folder as --instance')
    left = []
    sources = _hash_all(root, left)
    users = _users(root / 'users.db', sources)
    known = {u.user_id for u in users}
    owners = _owners(root, known, left)
    conversations = _conversations(root, owners, sources, left)
    uploads = _uploads(root, owners, sources, left)
    archive = sorted(p for p in sources if p in ANALYTICS)
    for path in sorted(sources):
        top = path.split('/', 1)[0]
        if path in ANALYTICS or top in ('conversation_history', 'memory', 'uploads') or path == 'users.db':
            continue
        left.append((path, NEVER_UNPICKLED if path.endswith(PICKLES) else
                     'a cache of the old server: not migrated' if path.rsplit('/', 1)[-1] in CACHES else
                     'not part of a ChatMRPT instance the migration knows: not migrated'))
    return Inventory(root, sources, users, conversations, uploads, archive, left)


def _hash_all(root, left):
    """sha256 of every regular file; links are not followed (one could point into another user's folder)."""
    sources = {}
    for folder, dirs, names in os.walk(root, followlinks=False):
        for name in sorted(names + [d for d in dirs if os.path.islink(os.path.join(folder, d))]):
            path = pathlib.Path(folder, name)
            relative = path.relative_to(root).as_posix()
            if path.is_symlink():
                left.append((relative, 'a link: not followed'))
            elif path.is_file():
                sources[relative] = sha256_file(path)
    return sources


def _users(path, sources):
    """The users table, read-only; none when the instance has no users.db."""
    if 'users.db' not in sources:
        return []
    try:
        with sqlite3.connect(f'{path.as_uri()}?mode=ro', uri=True) as db:
            rows = db.execute('SELECT id, email, username, created_at, is_active FROM users ORDER BY id').fetchall()
    except sqlite3.Error as error:
        raise InstanceError(f'users.db cannot be read as ChatMRPT\'s user database ({error}); '
                            'copy it again from the old server') from None
    return [OldUser(str(uid), (email or '').strip(), username or '', str(created or ''), bool(active))
            for uid, email, username, created, active in rows]


def _load_json(root, relative, left):
    try:
        return json.loads((root / relative).read_text(encoding='utf-8'))
    except (ValueError, UnicodeDecodeError) as error:
        left.append((relative, f'not readable JSON ({error.__class__.__name__}): not migrated'))
        return None


def _owners(root, known, left):
    """sid -> (owner, meta) for every session exactly one known user's history names."""
    claims = {}
    folder = root / 'conversation_history'
    for path in sorted(folder.glob('*.json')) if folder.is_dir() else ():
        relative = path.relative_to(root).as_posix()
        history = _load_json(root, relative, left)
        if not isinstance(history, dict):
            continue
        uid = path.stem
        for sid, meta in history.items():
            meta = meta if isinstance(meta, dict) else {}
            claimant = uid if meta.get('user_id', uid) == uid else None
            claims.setdefault(sid, []).append((claimant, meta, relative))
    owners = {}
    for sid, found in sorted(claims.items()):
        who = {claimant for claimant, _, _ in found}
        if len(found) > 1 or None in who:
            left.append((f'session {_short(sid)}', 'claimed by more than one user (or its meta names another '
                         'user): migrated to no one'))
        elif who <= known:
            owners[sid] = (found[0][0], found[0][1], found[0][2])
        else:
            left.append((f'session {_short(sid)}', 'its user is not in users.db (an anonymous or local-dev '
                         'session): not migrated'))
    return owners


def _short(sid):
    """A session id as reports show it: enough to find it, not the whole cookie value."""
    return sid[:8] + '...' if len(sid) > 12 else sid


def epoch(value, default):
    try:
        return datetime.fromtimestamp(float(value), timezone.utc)
    except (TypeError, ValueError, OverflowError):
        return default


def instant(value):
    """An old timestamp ('...Z' from memory_service, naive UTC from session_memory) as UTC, or None."""
    try:
        parsed = datetime.fromisoformat(str(value).replace('Z', '+00:00'))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _conversations(root, owners, sources, left):
    epoch_zero = datetime.fromtimestamp(0, timezone.utc)
    conversations = {}
    for sid, (owner, meta, relative) in owners.items():
        created = epoch(meta.get('created_at'), None)
        last = epoch(meta.get('last_activity'), created or epoch_zero)
        conversations[sid] = Conversation(sid, owner, str(meta.get('title') or 'New conversation'),
                                          created or last, last, sources=[relative])
    for relative in sorted(p for p in sources if p.startswith('memory/') and p.count('/') == 1):
        name = relative[len('memory/'):]
        if name.endswith(PICKLES):
            continue
        if not name.endswith('.json'):
            left.append((relative, 'not a memory file: not migrated'))
            continue
        session_memory = name.endswith('_memory.json')
        sid = name[:-len('_memory.json')] if session_memory else name[:-len('.json')]
        conversation = conversations.get(sid)
        if conversation is None:
            left.append((relative, 'its session has no owner (anonymous, unknown or claimed twice): not migrated'))
            continue
        record = _load_json(root, relative, left)
        if not isinstance(record, dict):
            continue
        conversation.sources.append(relative)
        entries = record.get('conversation_history' if session_memory else 'messages') or []
        _add_messages(conversation, entries, relative, session_memory)
    for conversation in conversations.values():
        _settle(conversation)
    return conversations


def _add_messages(conversation, entries, relative, session_memory):
    for entry in entries if isinstance(entries, list) else ():
        entry = entry if isinstance(entry, dict) else {}
        kind = entry.get('type' if session_memory else 'role')
        text = entry.get('content')
        if kind not in ROLES:
            _drop(conversation, f'{kind or "unknown"} messages (not shown in a conversation)')
        elif not isinstance(text, str) or not text.strip():
            _drop(conversation, 'empty messages')
        else:
            conversation.messages.append(Message(ROLES[kind], text, instant(
                entry.get('timestamp' if session_memory else 't')), relative))


def _drop(conversation, reason):
    conversation.dropped[reason] = conversation.dropped.get(reason, 0) + 1


def _settle(conversation):
    """Oldest first; a message without a time goes after the one before it; the memory service's
    shortened copy of a session-memory message is dropped for the full one."""
    full = [m for m in conversation.messages if m.source.endswith('_memory.json')]
    kept = []
    for message in conversation.messages:
        if not message.source.endswith('_memory.json') and any(_same(message, other) for other in full):
            _drop(conversation, f'duplicates (memory/{conversation.sid[:8]}....json repeats session memory)')
            continue
        kept.append(message)
    previous = conversation.created_at
    timed = []
    for message in kept:
        at = message.at or previous
        timed.append(Message(message.role, message.text, at, message.source))
        previous = at
    conversation.messages = sorted(timed, key=lambda m: m.at)


def _same(copy, full):
    return (copy.role == full.role and copy.text == full.text[:MEMORY_SERVICE_TEXT] and copy.at and full.at
            and abs((copy.at - full.at).total_seconds()) <= DUPLICATE_SECONDS)


def _uploads(root, owners, sources, left):
    by_folder = {}
    for relative in sources:
        parts = relative.split('/')
        if parts[0] == 'uploads' and len(parts) >= 3:
            by_folder.setdefault(parts[1], []).append(relative)
    uploads = []
    for folder, paths in sorted(by_folder.items()):
        sid = folder if folder in owners else folder.split('__', 1)[0]
        if sid not in owners:
            left.extend((p, 'its upload session has no owner (anonymous, unknown or claimed twice): not migrated')
                        for p in sorted(paths))
            continue
        names = {p.split('/', 2)[2]: p for p in paths}
        files = {}
        for role, candidates in UPLOAD_ROLES.items():
            present = [n for n in candidates if n in names]
            if present:
                files[role] = names[present[0]]
        results = {n: p for n, p in names.items() if n in RESULT_FILES}
        used = set(files.values()) | set(results.values())
        for name, path in sorted(names.items()):
            if path not in used:
                left.append((path, NEVER_UNPICKLED if name.endswith(PICKLES) else
                             'another copy of an upload' if any(name in c for c in UPLOAD_ROLES.values()) else
                             'derived by the old server (maps, caches): not migrated'))
        if not files and not results:
            continue
        variables = _variables_used(root, sid, sources)
        modified = max((root / p).stat().st_mtime for p in paths)
        uploads.append(Upload(folder, owners[sid][0], sid, files, results, variables, modified))
    return uploads


def _variables_used(root, sid, sources):
    """The variables the old analysis ranked with, as session memory recorded them."""
    relative = f'memory/{sid}_memory.json'
    if relative not in sources:
        return ()
    record = _load_json(root, relative, [])   # an unreadable file is reported with the messages
    context = (record or {}).get('analysis_context') if isinstance(record, dict) else None
    names = (context or {}).get('variables_used') if isinstance(context, dict) else None
    return tuple(n for n in names if isinstance(n, str)) if isinstance(names, list) else ()
