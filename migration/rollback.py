"""`rollback MANIFEST`: remove exactly what the run wrote, newest kinds first.

Only entries in state `written` (or `kept` by an earlier rollback) are touched;
what was there before the run (`existing`) never is. A resource the run wrote that
has since gained something the run did not write (a message the user sent, an
analysis they ran on a migrated dataset, anything under a migrated user) is kept
whole and reported, so a rollback neither deletes people's new work nor leaves it
without its parent. Removing is idempotent: what is gone already counts as removed.
"""
from chalicelib.analyses import requests as analyses
from chalicelib.conversations import requests as conversations
from chalicelib.datasets import requests as datasets
from chalicelib.errors import NotFound
from migration.apply import ANALYTICS_PREFIX, cognito_user
from migration.manifest import KEPT, OURS, REMOVED


class Rollback:
    def __init__(self, manifest, target):
        self.manifest, self.target, self.deps = manifest, target, target.deps
        self.lines = []

    def ours(self, kind, **where):
        return [e for e in self.manifest.entries if e['kind'] == kind and e['state'] in OURS
                and all(e.get(k) == v for k, v in where.items())]

    def ids(self, kind, field, **where):
        """Every id of `kind` this run wrote (whatever became of it)."""
        return {e[field] for e in self.manifest.entries if e['kind'] == kind and e['state'] in OURS + (REMOVED,)
                and all(e.get(k) == v for k, v in where.items())}

    def mark(self, entries, state, why=None):
        """`entries` (a resource and what goes with it) removed, or kept for the reason `why`."""
        for entry in entries:
            entry['state'] = state
            entry.pop('kept_because', None)
            if why:
                entry['kept_because'] = why
        if why:
            first, more = entries[0], len(entries) - 1
            self.lines.append(f'kept {first["kind"]} from {first["source"]}'
                              + (f' with {more} more entries' if more else '') + f': {why}')
        self.manifest.save()

    def run(self):
        for entry in self.ours('archived_analytics'):
            if not entry['key'].startswith(f'{ANALYTICS_PREFIX}{self.manifest.data["run_id"]}/'):
                raise ValueError(f'{entry["key"]} is not an archive key of this run: the manifest was edited')
            self.target.s3.delete_object(Bucket=self.target.settings.data_bucket, Key=entry['key'])
            self.mark([entry], REMOVED)
        for entry in self.ours('archived_result'):
            kind, item_id = entry['parent']
            name = entry['key'].rsplit('/', 1)[-1]
            self.deps.objects.delete_files(entry['user_id'], kind, item_id, [('legacy', name)])
            self.mark([entry], REMOVED)
        for entry in self.ours('conversation'):
            self._conversation(entry)
        for entry in self.ours('analysis'):
            self._analysis(entry)
        for entry in self.ours('dataset'):
            self._dataset(entry)
        for entry in self.ours('cognito_user'):
            self._user(entry)
        for entry in self.ours('profile'):          # of people in the user pool before the run
            if not self.ours('cognito_user', user_id=entry['user_id']):
                self.deps.users.delete(entry['user_id'])
                self.mark([entry], REMOVED)
        removed = sum(1 for e in self.manifest.entries if e['state'] == REMOVED)
        kept = sum(1 for e in self.manifest.entries if e['state'] == KEPT)
        self.manifest.data['status'] = 'rolled back' if not kept else 'rolled back in part'
        self.manifest.save()
        self.lines.append(f'rollback: {removed} entries removed, {kept} kept')
        return self.lines

    def _conversation(self, entry):
        sub, cid = entry['user_id'], entry['conversation_id']
        messages = self.ours('message', conversation_id=cid)
        live, token = [], None
        while True:
            page, token = self.deps.conversations.messages(sub, cid, next_token=token)
            live.extend(item['message_id'] for item in page)
            if not token:
                break
        if set(live) - self.ids('message', 'message_id', conversation_id=cid):
            return self.mark([entry] + messages, KEPT, 'messages were added to it after the migration')
        _gone(conversations.delete, sub, cid, self.deps)
        self.mark([entry] + messages, REMOVED)

    def _analysis(self, entry):
        item = self.deps.analyses.get(entry['user_id'], entry['analysis_id'])
        if item and item.get('itn_plans'):
            return self.mark([entry], KEPT, 'ITN plans were made on it after the migration')
        _gone(analyses.delete, entry['user_id'], entry['analysis_id'], self.deps)
        self.mark([entry], REMOVED)

    def _dataset(self, entry):
        sub, dataset_id = entry['user_id'], entry['dataset_id']
        files = self.ours('uploaded_file', dataset_id=dataset_id)
        foreign = [a for a in self.deps.analyses.all(sub) if a['dataset_id'] == dataset_id]
        if foreign:
            return self.mark([entry] + files, KEPT, f'{len(foreign)} analysis(es) still use it (made since, or kept)')
        _gone(datasets.delete, sub, dataset_id, self.deps)
        self.mark([entry] + files, REMOVED)

    def _user(self, entry):
        """The profile and the Cognito user, unless the user owns anything the run did not write."""
        sub = entry['user_id']
        profiles = self.ours('profile', user_id=sub)
        theirs = (len(self.deps.datasets.all(sub)) + len(self.deps.analyses.all(sub))
                  + len(self.deps.conversations.all(sub)))
        if theirs:
            return self.mark([entry] + profiles, KEPT, f'{theirs} dataset(s), analysis(es) or conversation(s) '
                                                        'the run did not write (or kept) are theirs')
        for profile in profiles:
            self.deps.users.delete(sub)
        attributes = cognito_user(self.target, entry['email'])
        if attributes and attributes['sub'] == sub:
            self.target.cognito.admin_delete_user(UserPoolId=self.target.settings.user_pool_id,
                                                  Username=entry['email'])
        self.mark([entry] + profiles, REMOVED)


def _gone(delete, *args):
    """Delete through the service; one already gone is removed too."""
    try:
        delete(*args)
    except NotFound:
        pass
