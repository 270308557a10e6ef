"""The AuditLog table: append-only, one item per event, keyed by the actor."""
from chalicelib.storage.base import MAX_PAGE, Table, new_id, now_iso, start_key


class AuditLog(Table):
    sort_key = 'event_key'

    def append(self, user_id, organization, action, resource, outcome, status, request_id,
               source_ip):
        """Write one event; never overwrites (the key holds a fresh random id)."""
        at = now_iso()
        record = {'event_key': f'{at}#{new_id("ev")}', 'at': at, 'action': action,
                  'resource': resource, 'outcome': outcome, 'status': status,
                  'request_id': request_id, 'source_ip': source_ip}
        if organization:      # a key attribute of the sparse organization-index
            record['organization'] = organization
        return self.put_new(user_id, record)

    def by_organization(self, organization, since='', user_id=None, limit=MAX_PAGE,
                        next_token=None):
        """One page of an organization's events since `since` (ISO time), oldest first."""
        values = {':o': organization}
        condition = 'organization = :o'
        if since:
            values[':s'] = since
            condition += ' AND event_key >= :s'
        kwargs = dict(TableName=self.name, IndexName='organization-index',
                      Limit=max(1, min(int(limit), MAX_PAGE)), KeyConditionExpression=condition)
        if user_id:
            values[':u'] = user_id
            kwargs['FilterExpression'] = 'user_id = :u'
        kwargs['ExpressionAttributeValues'] = self._av(values)
        if next_token:
            kwargs['ExclusiveStartKey'] = self._av(start_key(
                next_token, ('organization', 'user_id', 'event_key'),
                ('organization', organization)))
        return self._query(kwargs)
