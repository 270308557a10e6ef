"""The Users table: one profile per Cognito user, keyed by its `sub`."""
from chalicelib.storage.base import AlreadyExists, Table, now_iso

ACTIVE, DISABLED = 'ACTIVE', 'DISABLED'


class Users(Table):
    def create(self, user_id, email, organization, role, region):
        """The new profile; the existing one untouched when it is already there."""
        profile = {'email': email, 'organization': organization, 'role': role,
                   'region': region, 'status': ACTIVE, 'created_at': now_iso()}
        try:
            return self.put_new(user_id, profile)
        except AlreadyExists:
            return self.get(user_id)

    def set_status(self, user_id, status):
        """The updated profile, or None when there is no such user."""
        return self.update(user_id, None, {'status': status}, 'attribute_exists(user_id)')
