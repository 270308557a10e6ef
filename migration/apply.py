"""`apply`: the plan carried out against the target, through the service's own paths.

- A mapped user becomes a Cognito user created by an administrator, so the pool's
  own forced reset applies: Cognito mails a temporary password and the first
  sign-in must set a new one (the web app asks for it). No werkzeug hash leaves the
  instance, and the deployed package carries no code that checks old hashes.
  A user-migration trigger was not chosen: Cognito calls it only for a user the
  pool does not know, so the user could not exist (and own their data under a
  `sub`) before their first sign-in, and the trigger would ship hash checking and
  a store of old hashes into the deployed functions.
- An upload folder becomes a dataset through POST /datasets' service and its files
  at the upload keys it issued, so the S3 event validates it like any new upload.
- Old rankings are re-computed by the worker (`mrpt-legacy`) and compared; the old
  result files are archived under the analysis (or the dataset, without one).
- Conversations and their messages become chat conversations in the Sessions
  table; ids come from the source, so a second run finds what the first wrote.

Every resource is looked up before it is written and recorded in the manifest
before and after, so a second run creates nothing and an interrupted one continues.
"""
import hashlib
import json
from collections import Counter
from datetime import timezone

from chalicelib.analyses import requests as analyses
from chalicelib.datasets import requests as datasets
from chalicelib.errors import ApiError
from chalicelib.storage.analyses import SUCCEEDED, TERMINAL
from chalicelib.storage.conversations import DONE, ConversationGone
from chalicelib.storage.datasets import AWAITING_UPLOAD, INVALID, READY
from chalicelib.storage.objects import content_type, parse_upload_key
from chalicelib.storage.users import DISABLED
from migration import compare
from migration.manifest import EXISTING, OURS, PENDING, PRESENT, REFUSED, WRITTEN, fingerprint
from migration.plan import COMPOSITE, PCA, TPR

SETTLED = (READY, INVALID)
MAX_TEXT = 20_000                 # characters of one old message kept (items stay far below 400 KB)
ANALYTICS_PREFIX = 'migration/'   # outside uploads/ (no upload event) and users/ (no user can reach it)
MARKER = 'ChatMRPT'


class Refusal(Exception):
    """The service refused to create something: nothing was written; the message says why."""


def digest(*parts):
    return hashlib.sha256('/'.join(parts).encode()).hexdigest()


def millis(at):
    return int(at.timestamp() * 1000)


def iso(at):
    at = at.astimezone(timezone.utc)
    return at.strftime('%Y-%m-%dT%H:%M:%S.') + f'{at.microsecond // 1000:03d}Z'


def conversation_id(owner, sid, created):
    """Time-ordered like the service's ids (creation order), fixed by the source."""
    return f'cv_{millis(created):012x}{digest(owner, sid)[:16]}'


def message_id(at, index):
    """Sorts by the message's time, then its place in the conversation."""
    return f'msg_{millis(at):012x}{index:016x}0'


def cognito_fingerprint(attributes):
    return fingerprint({name: attributes.get(name) for name in
                        ('email', 'custom:organization', 'custom:role', 'custom:region')})


def profile_fingerprint(item):
    return fingerprint({name: item.get(name) for name in ('email', 'organization', 'role', 'region')})


def dataset_fingerprint(item):
    return fingerprint({'name': item['name'], 'files': {role: [f['filename'], f['size']]
                                                        for role, f in item['files'].items()}})


def analysis_fingerprint(item):
    return fingerprint({'dataset_id': item['dataset_id'], 'request': item['request']})


def conversation_fingerprint(item):
    return fingerprint({name: item.get(name) for name in ('conversation_id', 'title', 'created_at')})


def message_fingerprint(item):
    return fingerprint({name: item.get(name) for name in ('message_id', 'role', 'text', 'created_at')})


def attributes_of(user):
    return {a['Name']: a['Value'] for a in user.get('Attributes') or user.get('UserAttributes') or ()}


def cognito_user(target, email):
    """The pool's user with this email (its attributes), or None."""
    try:
        return attributes_of(target.cognito.admin_get_user(UserPoolId=target.settings.user_pool_id, Username=email))
    except target.cognito.exceptions.UserNotFoundException:
        return None


class Run:
    def __init__(self, plan, inventory, target, manifest, wait_seconds=900, invite=True):
        self.plan, self.inventory, self.target, self.manifest = plan, inventory, target, manifest
        self.deps = target.deps
        self.wait_seconds = wait_seconds
        self.invite = invite
        self.created = Counter()
        self.notes = []

    # -- the run ---------------------------------------------------------------------
    def apply(self):
        self._sources()
        subs = {}
        for user in self.plan.migrated():
            sub = self._user(user)
            if sub:
                subs[user.old.user_id] = sub
        uploads = [(subs[u.old.user_id], u, p) for u in self.plan.migrated() if u.old.user_id in subs
                   for p in u.uploads if not p.refused]
        found = [(sub, user, p, self._dataset(sub, user, p)) for sub, user, p in uploads]
        self._settle(found)
        settled = [(sub, user, p, d) for sub, user, p, d in found
                   if d['state'] in PRESENT and d.get('status') in SETTLED]
        ran = [(sub, p, d, self._analysis(sub, user, p, d) if p.method and d['status'] == READY else None)
               for sub, user, p, d in settled]
        for sub, p, dataset, analysis in ran:
            self._results(sub, p, dataset, analysis)
        for user in self.plan.migrated():
            if user.old.user_id in subs:
                for conversation in user.conversations:
                    self._conversation(subs[user.old.user_id], user, conversation)
        self._analytics()
        return self._report()

    def _sources(self):
        recorded = self.manifest.data['sources']
        changed = sorted(p for p, sha in recorded.items() if self.inventory.sources.get(p, sha) != sha)
        self.notes.extend(f'{p} changed since the run began: what was written from it is from the earlier copy'
                          for p in changed)
        self.manifest.data['sources'] = {**self.inventory.sources, **recorded}
        self.manifest.save()

    def _read(self, path):
        body = (self.inventory.root / path).read_bytes()
        if hashlib.sha256(body).hexdigest() != self.inventory.sources[path]:
            self.notes.append(f'{path} changed while the run read it')
        return body

    def _once(self, kind, source, find, create, **fields):
        """The one resource of `source`: already recorded; or found in the target (written by this
        run if an interrupted run recorded the intent, otherwise there before: never rolled back);
        or created, its intent recorded first."""
        entry = self.manifest.find(kind, source)
        if entry is not None and entry['state'] in PRESENT:
            return entry
        found = find()
        if found is not None:
            state = WRITTEN if entry is not None and entry['state'] == PENDING else EXISTING
            entry = self.manifest.record(kind, source, state, **fields, **found)
            self.manifest.save()
            return entry
        entry = self.manifest.record(kind, source, PENDING, **fields)
        self.manifest.save()
        try:
            entry.update(create(), state=WRITTEN)
            entry.pop('reason', None)
            self.created[kind] += 1
        except Refusal as refusal:
            entry.update(state=REFUSED, reason=str(refusal))
        self.manifest.save()
        return entry

    # -- users -----------------------------------------------------------------------
    def _user(self, user):
        m, t = user.mapped, self.target
        wanted = {'email': m.email, 'custom:organization': m.organization, 'custom:role': m.role,
                  'custom:region': m.region}
        source = f'users.db#{user.old.user_id}'

        def find():
            attributes = cognito_user(t, m.email)
            return attributes and {'user_id': attributes['sub'], 'sha256': cognito_fingerprint(attributes)}

        def create():
            delivery = {'DesiredDeliveryMediums': ['EMAIL']} if self.invite else {'MessageAction': 'SUPPRESS'}
            try:
                created = t.cognito.admin_create_user(
                    UserPoolId=t.settings.user_pool_id, Username=m.email, **delivery,
                    UserAttributes=[{'Name': k, 'Value': v} for k, v in wanted.items()]
                    + [{'Name': 'email_verified', 'Value': 'true'}])
            except t.cognito.exceptions.ClientError as error:
                raise Refusal(f'the user pool refused {m.email}: {error.response["Error"].get("Message")}') from None
            if user.disabled:
                t.cognito.admin_disable_user(UserPoolId=t.settings.user_pool_id, Username=m.email)
            attributes = attributes_of(created['User'])
            return {'user_id': attributes['sub'], 'sha256': cognito_fingerprint(attributes)}

        entry = self._once('cognito_user', source, find, create, owner=user.old.user_id, email=m.email)
        if entry['state'] == REFUSED:
            self.notes.append(f'{m.email}: {entry["reason"]}')
            return None
        sub = entry['user_id']
        others = [e for e in self.manifest.of_kind('cognito_user') if e['user_id'] == sub and e['source'] != source]
        if others:
            self.notes.append(f'{m.email}: its Cognito user is that of another ChatMRPT user already: '
                              'migrated to no one')
            return None
        # A person already in the pool keeps their account as it is: the profile follows it, as the app's own.
        account = wanted if entry['state'] in OURS else cognito_user(t, m.email)
        if entry['state'] == EXISTING:
            differs = ', '.join(f'{k} {account.get(k)}' for k in wanted if account.get(k) != wanted[k])
            self.notes.append(f'{m.email} was in the user pool already: their data joins that account, left as it '
                              'is' + (f' ({differs}, not as the mapping says)' if differs else ''))

        def find_profile():
            item = self.deps.users.get(sub)
            return item and {'sha256': profile_fingerprint(item)}

        def create_profile():
            item = self.deps.users.create(sub, account['email'], account.get('custom:organization', ''),
                                          account.get('custom:role', 'viewer'), account.get('custom:region', ''))
            if user.disabled and entry['state'] in OURS:
                self.deps.users.set_status(sub, DISABLED)
            return {'sha256': profile_fingerprint(item)}

        self._once('profile', source, find_profile, create_profile, owner=user.old.user_id, user_id=sub)
        return sub

    # -- datasets and analyses ---------------------------------------------------------
    def _dataset(self, sub, user, p):
        upload = p.upload
        marker = f'({MARKER} {digest(user.old.user_id, upload.folder)[:12]})'
        title = next((c.title for c in user.conversations if c.sid == upload.sid), 'Upload')
        name = f'{title[:150]} {marker}'

        def find():
            item = next((d for d in self.deps.datasets.all(sub) if d['name'].endswith(marker)), None)
            return item and {'dataset_id': item['dataset_id'], 'sha256': dataset_fingerprint(item)}

        def create():
            body = {'name': name, 'files': [
                {'role': role, 'filename': path.rsplit('/', 1)[-1],
                 'size': (self.inventory.root / path).stat().st_size} for role, path in sorted(upload.files.items())]}
            try:
                dataset_id = datasets.create(sub, body, self.deps)['dataset_id']
            except ApiError as error:
                raise Refusal(error.message) from None
            return {'dataset_id': dataset_id, 'sha256': dataset_fingerprint(self.deps.datasets.get(sub, dataset_id))}

        entry = self._once('dataset', f'uploads/{upload.folder}', find, create, owner=user.old.user_id,
                           user_id=sub, email=user.email)
        if entry['state'] in OURS:
            self._upload(sub, entry, upload)
        return entry

    def _upload(self, sub, entry, upload):
        """Each file at the key the dataset issued for it (unless it arrived already)."""
        item = self.deps.datasets.get(sub, entry['dataset_id'])
        if item is None:
            return
        for role, path in sorted(upload.files.items()):
            declared = item['files'][role]
            key = declared['key']
            if (parse_upload_key(key) or ())[:2] != (sub, entry['dataset_id']):
                raise RuntimeError(f'upload key {key} is not under the dataset\'s owner')  # never: the service chose it
            if item['status'] == AWAITING_UPLOAD and not declared.get('uploaded'):
                self.target.s3.put_object(Bucket=self.target.settings.data_bucket, Key=key, Body=self._read(path),
                                          ContentType=declared['content_type'], ServerSideEncryption='AES256')
                if self.manifest.present('uploaded_file', path) is None:
                    self.created['uploaded_file'] += 1
                if self.target.events:
                    self.target.events.uploaded(key)
            if self.manifest.present('uploaded_file', path) is None:
                self.manifest.record('uploaded_file', path, WRITTEN, user_id=sub, dataset_id=entry['dataset_id'],
                                  key=key, sha256=self.inventory.sources[path])
        self.manifest.save()

    def _settle(self, found):
        """Wait (together, up to the run's limit) for the datasets' validation to end."""
        def unsettled():
            return [e for *_, e in found if e['state'] in PRESENT and e.get('status') not in SETTLED]

        def check():
            for entry in unsettled():
                item = self.deps.datasets.get(entry['user_id'], entry['dataset_id'])
                if item is None:
                    entry['status'] = 'DELETED'
                elif item['status'] in SETTLED:
                    entry.update(status=item['status'], errors=[e['message'] for e in item.get('errors') or ()])
            return not unsettled()

        self.target.wait(check, self.wait_seconds)
        self.manifest.save()

    def _results(self, sub, p, dataset, analysis):
        """The comparison of the re-run analysis with the old files, and their archive, once the
        analysis has ended (a later run finishes what is still going)."""
        if analysis is not None and analysis['state'] in PRESENT and analysis.get('status') not in TERMINAL:
            item = self.target.wait(lambda: (lambda a: a if a and a['status'] in TERMINAL else None)(
                self.deps.analyses.get(sub, analysis['analysis_id'])), self.wait_seconds)
            if item is None:
                return
            analysis.update(status=item['status'], error=item.get('error'))
        if 'comparisons' not in dataset:
            dataset['comparisons'] = self._compare(sub, p, dataset, analysis)
        if dataset['state'] in OURS:
            parent = (('analyses', analysis['analysis_id']) if analysis is not None and analysis['state'] in PRESENT
                      else ('datasets', dataset['dataset_id']))
            for name, path in sorted(p.upload.results.items()):
                if self.manifest.present('archived_result', path) is None:
                    key = self.deps.objects.put_file(sub, *parent, ('legacy', name), self._read(path),
                                                     content_type(name))
                    self.created['archived_result'] += 1
                    self.manifest.record('archived_result', path, WRITTEN, user_id=sub, key=key, parent=list(parent),
                                      sha256=self.inventory.sources[path])
        self.manifest.save()

    def _analysis(self, sub, user, p, dataset):
        dataset_id = dataset['dataset_id']
        item = self.deps.datasets.get(sub, dataset_id)
        known = {v['name'] for v in (item.get('summary') or {}).get('variables') or ()}
        body = {'dataset_id': dataset_id, 'method': p.method, 'preset': 'mrpt-legacy'}
        old = list(p.upload.variables)
        if 2 <= len(old) <= 10 and set(old) <= known:
            body['variables'] = old
        elif old:
            self.notes.append(f'{user.email}, upload {p.upload.folder[:8]}...: the old analysis used '
                              f'{", ".join(old)}; not all are variables of the dataset, so the engine chose them')

        def find():
            item = next((a for a in self.deps.analyses.all(sub) if a['dataset_id'] == dataset_id
                         and a['request'].get('preset') == 'mrpt-legacy'), None)
            return item and {'analysis_id': item['analysis_id'], 'sha256': analysis_fingerprint(item)}

        def create():
            try:
                analysis_id = analyses.create(sub, body, self.deps)['analysis_id']
            except ApiError as error:
                written = find()     # written, and then the queue refused it: it ended FAILED
                if written is None:
                    raise Refusal(error.message) from None
                return written
            item = self.deps.analyses.get(sub, analysis_id)
            return {'analysis_id': analysis_id, 'sha256': analysis_fingerprint(item)}

        entry = self._once('analysis', f'uploads/{p.upload.folder}#analysis', find, create,
                           owner=user.old.user_id, user_id=sub, dataset_id=dataset_id)
        if entry['state'] == REFUSED:
            self.notes.append(f'{user.email}, upload {p.upload.folder[:8]}...: the analysis was refused: '
                              f'{entry["reason"]}')
        return entry

    def _compare(self, sub, p, dataset, analysis):
        results = p.upload.results
        comparisons = []
        ranked = [(name, method) for name, method in ((COMPOSITE, 'composite'), (PCA, 'pca')) if name in results]
        if ranked:
            item = analysis and analysis['state'] in PRESENT and self.deps.analyses.get(sub, analysis['analysis_id'])
            if item and item['status'] == SUCCEEDED:
                rankings = json.loads(self.deps.objects.get_object(sub, item['artifacts']['rankings.json']['key']))
                comparisons += [compare.compare_rankings(n, self._read(results[n]), rankings, m) for n, m in ranked]
            else:
                why = (f'the re-run failed: {item["error"]}' if item else
                       f'the dataset is {dataset["status"]}' if dataset['status'] != READY else
                       'the analysis was not re-run')
                comparisons += [{'file': n, 'method': m, 'comparable': False, 'reason': why} for n, m in ranked]
        item = self.deps.datasets.get(sub, dataset['dataset_id']) or {}
        if TPR in results and (item.get('tpr') or {}).get('key'):
            comparisons.append(compare.compare_tpr(TPR, self._read(results[TPR]),
                                                   self.deps.objects.get_object(sub, item['tpr']['key'])))
        return comparisons

    # -- conversations -----------------------------------------------------------------
    def _bound(self, user, conversation):
        """The dataset (and analysis) of the conversation's latest migrated upload, READY ones first."""
        best = None
        for p in sorted(user.uploads, key=lambda p: p.upload.modified):
            entry = self.manifest.present('dataset', f'uploads/{p.upload.folder}')
            if p.upload.sid != conversation.sid or entry is None or entry.get('status') != READY:
                continue
            analysis = self.manifest.present('analysis', f'uploads/{p.upload.folder}#analysis')
            best = (entry['dataset_id'], analysis and analysis['analysis_id'])
        return best or (None, None)

    def _conversation(self, sub, user, conversation):
        conversations = self.deps.conversations
        cid = conversation_id(user.old.user_id, conversation.sid, conversation.created_at)
        dataset_id, analysis_id = self._bound(user, conversation)
        header = {'conversation_id': cid, 'title': conversation.title.strip()[:200] or 'New conversation',
                  'dataset_id': dataset_id, 'analysis_id': analysis_id, 'pending': None,
                  'created_at': iso(conversation.created_at), 'updated_at': iso(conversation.last_activity),
                  'migrated_from': MARKER}
        source = f'{conversation.sources[0]}#{digest(conversation.sid)[:16]}'

        def find():
            item = conversations.header(sub, cid)
            return item and {'conversation_id': cid, 'sha256': conversation_fingerprint(item)}

        def create():
            return {'conversation_id': cid, 'sha256': conversation_fingerprint(conversations.create(sub, header))}

        entry = self._once('conversation', source, find, create, owner=user.old.user_id, user_id=sub)
        if entry['state'] not in OURS:
            return
        current = conversations.header(sub, cid) or {}
        if dataset_id and (current.get('dataset_id'), current.get('analysis_id')) != (dataset_id, analysis_id):
            conversations.update_header(sub, cid, dataset_id=dataset_id, analysis_id=analysis_id)
        try:
            for index, message in enumerate(conversation.messages):
                self._message(sub, cid, f'{message.source}#{index}', index, message)
        except ConversationGone:
            self.notes.append(f'{user.email}: conversation "{conversation.title}" was deleted during the run')
        self.manifest.save()

    def _message(self, sub, cid, source, index, message):
        if self.manifest.present('message', source) is not None:
            return
        text = message.text if len(message.text) <= MAX_TEXT else message.text[:MAX_TEXT] + ' [shortened]'
        item = {'message_id': message_id(message.at, index), 'turn_id': None, 'role': message.role, 'text': text,
                'created_at': iso(message.at), 'tool_calls': [], 'attachments': [], 'migrated_from': MARKER}
        if message.role == 'assistant':
            item['status'] = DONE
        if self.deps.conversations.message(sub, cid, item['message_id']) is None:
            self.deps.conversations.add_message(sub, cid, item)
            self.created['message'] += 1
        self.manifest.record('message', source, WRITTEN, user_id=sub, conversation_id=cid,
                          message_id=item['message_id'], sha256=message_fingerprint(item))

    # -- analytics and the report ---------------------------------------------------------
    def _analytics(self):
        for path in self.plan.archive:
            if self.manifest.present('archived_analytics', path) is None:
                key = f'{ANALYTICS_PREFIX}{self.manifest.data["run_id"]}/{path}'
                self.target.s3.put_object(Bucket=self.target.settings.data_bucket, Key=key, Body=self._read(path),
                                          ContentType=content_type(path), ServerSideEncryption='AES256')
                self.created['archived_analytics'] += 1
                self.manifest.record('archived_analytics', path, WRITTEN, key=key, sha256=self.inventory.sources[path])
        self.manifest.save()

    def _report(self):
        entries = self.manifest.entries
        pending = [e for e in entries if e['state'] == PENDING
                   or e['kind'] == 'dataset' and e['state'] in PRESENT and e.get('status') not in SETTLED
                   or e['kind'] == 'analysis' and e['state'] in PRESENT and e.get('status') not in TERMINAL]
        report = {'created': dict(self.created), 'notes': self.notes, 'pending': len(pending),
                  'datasets': [{k: e.get(k) for k in ('email', 'source', 'dataset_id', 'status', 'errors',
                                                      'comparisons')} for e in entries if e['kind'] == 'dataset'],
                  'analyses': [{k: e.get(k) for k in ('source', 'analysis_id', 'state', 'status', 'error', 'reason')}
                               for e in entries if e['kind'] == 'analysis'],
                  'left': [list(item) for item in self.plan.left]}
        self.manifest.data['report'] = report
        self.manifest.data['status'] = 'complete' if not pending else 'incomplete'
        self.manifest.save()
        return report


def render(report, manifest):
    """The run's report as an operator reads it."""
    created = ', '.join(f'{n} {kind.replace("_", " ")}' for kind, n in sorted(report['created'].items()))
    lines = [f'run {manifest.data["run_id"]} ({manifest.data["status"]}); manifest {manifest.path}',
             f'created this time: {created or "nothing"}']
    for d in report['datasets']:
        errors = ''.join(f'; {e}' for e in d.get('errors') or ())
        status = d['status'] or 'not validated yet'
        lines.append(f'{d["email"]}: {d["source"]} -> dataset {d["dataset_id"]} {status}{errors}')
        lines.extend(f'  {compare.describe(c)}' for c in d.get('comparisons') or ())
    lines.extend(f'analysis {a["analysis_id"] or "-"} ({a["source"]}): {a["status"] or a["state"]}'
                 + (f', {a["error"] or a["reason"]}' if a.get('error') or a.get('reason') else '')
                 for a in report['analyses'])
    lines.extend(f'note: {n}' for n in report['notes'])
    if report['pending']:
        lines.append(f'{report["pending"]} resource(s) still validating or running: run apply again to finish')
    lines.extend(f'left behind: {what}: {why}' for what, why in report['left'])
    return '\n'.join(lines)
