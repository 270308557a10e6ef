"""What a run would do with an instance, per user, and what it leaves and why (`plan`).

Pure: the inventory, the mapping and the target stage's sign-up rules in, a plan
out. `apply` follows the same plan, so the dry run and the run cannot disagree.
"""
from collections import Counter
from dataclasses import dataclass, field
from types import MappingProxyType

from chalicelib.accounts.profiles import Refused, check_signup
from chalicelib.datasets.requests import missing_roles
from migration.mapping import normal_email

COMPOSITE = 'analysis_vulnerability_rankings.csv'
PCA = 'analysis_vulnerability_rankings_pca.csv'
TPR = 'tpr_results.csv'
# How the plan names a missing role of the old upload folder.
NAMES = MappingProxyType({'data': 'ward data (raw_data.csv/.xlsx) or facility export'})


@dataclass
class UploadPlan:
    upload: object
    refused: str = None
    method: str = None          # the analysis re-run in mrpt-legacy: composite, pca or both; None for none


@dataclass
class UserPlan:
    old: object
    email: str
    mapped: object = None
    refused: str = None
    disabled: bool = False
    conversations: list = field(default_factory=list)
    uploads: list = field(default_factory=list)


@dataclass
class Plan:
    users: list
    left: list                   # (what, why) not migrated
    archive: list

    def migrated(self):
        return [u for u in self.users if not u.refused]

    def counts(self):
        """What a complete run writes, by kind (analyses: at most, as only READY datasets get one)."""
        users = self.migrated()
        uploads = [p for u in users for p in u.uploads if not p.refused]
        conversations = [c for u in users for c in u.conversations]
        return {
            'cognito_user': len(users), 'profile': len(users),
            'dataset': len(uploads), 'uploaded_file': sum(len(p.upload.files) for p in uploads),
            'analysis': sum(1 for p in uploads if p.method),
            'archived_result': sum(len(p.upload.results) for p in uploads),
            'conversation': len(conversations), 'message': sum(len(c.messages) for c in conversations),
            'archived_analytics': len(self.archive)}


def signup_refusal(mapped, settings):
    """Why the stage's pre sign-up trigger would refuse this person, or None (the same rules run
    here, since the local user pool calls no trigger)."""
    event = {'triggerSource': 'PreSignUp_AdminCreateUser', 'request': {'userAttributes': {
        'email': mapped.email, 'custom:organization': mapped.organization, 'custom:role': mapped.role,
        'custom:region': mapped.region}}}
    try:
        check_signup(event, settings.allowed_email_domains, settings.allowed_organizations)
    except Refused as refused:
        return f'refused by the stage\'s sign-up rules (mapping row {mapped.row}): {refused}'
    return None


def _upload_plan(upload, max_bytes, sizes):
    missing = [NAMES.get(role, role) for role in missing_roles(upload.files)]
    if missing:
        return UploadPlan(upload, refused=f'no {" and no ".join(missing)}: not a dataset')
    large = [path for path in upload.files.values() if sizes[path] > max_bytes]
    if large:
        return UploadPlan(upload, refused=f'{", ".join(large)} is over the stage\'s upload limit '
                                          f'of {max_bytes} bytes')
    found = {name for name in (COMPOSITE, PCA) if name in upload.results}
    method = {frozenset({COMPOSITE, PCA}): 'both', frozenset({COMPOSITE}): 'composite',
              frozenset({PCA}): 'pca'}.get(frozenset(found))
    return UploadPlan(upload, method=method)


def make_plan(inventory, mapping, settings):
    sizes = {path: (inventory.root / path).stat().st_size for u in inventory.uploads for path in u.files.values()}
    shared = Counter(normal_email(u.email) for u in inventory.users)
    users, left = [], list(inventory.left)
    for old in sorted(inventory.users, key=lambda u: (normal_email(u.email), u.user_id)):
        email = normal_email(old.email)
        conversations, uploads = inventory.of(old.user_id)
        plan = UserPlan(old, email, mapping.get(email), disabled=not old.is_active)
        if shared[email] > 1:
            plan.refused = 'shares its email (ignoring case) with another ChatMRPT user: migrated to no one'
        elif plan.mapped is None:
            plan.refused = 'no row in the mapping file: not created'
        else:
            plan.refused = signup_refusal(plan.mapped, settings)
        plan.conversations = conversations
        plan.uploads = [_upload_plan(u, settings.max_upload_bytes, sizes) for u in uploads]
        users.append(plan)
    known = {normal_email(u.email) for u in inventory.users}
    left.extend((f'mapping row {m.row}', f'no ChatMRPT user has the email {email}')
                for email, m in sorted(mapping.items()) if email not in known)
    return Plan(users, left, list(inventory.archive))


def render(plan):
    """The plan as an operator reads it: per user, then what is left and why."""
    lines = []
    for user in plan.users:
        head = f'user {user.email or "(no email)"} (ChatMRPT id {user.old.user_id[:8]}...)'
        if user.refused:
            lines.append(f'{head}: NOT MIGRATED, {user.refused}; its {len(user.conversations)} conversation(s) '
                         f'and {len(user.uploads)} upload(s) stay behind')
            continue
        m = user.mapped
        lines.append(f'{head} -> {m.organization}, {m.role}, {m.region}: Cognito user (sets a new password at '
                     f'first sign-in) and profile{", disabled as in ChatMRPT" if user.disabled else ""}')
        for c in user.conversations:
            dropped = ''.join(f'; {n} {why} left out' for why, n in sorted(c.dropped.items()))
            lines.append(f'  conversation "{c.title}": {len(c.messages)} message(s){dropped}')
        for p in user.uploads:
            files = ', '.join(f'{role} {path.rsplit("/", 1)[-1]}' for role, path in sorted(p.upload.files.items()))
            if p.refused:
                lines.append(f'  upload {p.upload.folder[:8]}...: NOT MIGRATED, {p.refused}')
                continue
            rerun = (f'; re-run mrpt-legacy ({p.method}) and compare with the old rankings' if p.method else '')
            tpr = ('; compare the ward TPR with tpr_results.csv'
                   if TPR in p.upload.results and 'tpr' in p.upload.files else '')
            lines.append(f'  dataset from upload {p.upload.folder[:8]}... ({files}){rerun}{tpr}; '
                         f'archive {len(p.upload.results)} old result file(s)')
    if plan.archive:
        lines.append(f'archive as they are (analytics): {", ".join(plan.archive)}')
    if plan.left:
        lines.append('left behind:')
        lines.extend(f'  {what}: {why}' for what, why in plan.left)
    counts = plan.counts()
    lines.append('would write: ' + ', '.join(f'{kind} {n}' for kind, n in counts.items()))
    return '\n'.join(lines)
