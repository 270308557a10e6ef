"""Storage interfaces, one per table, with their DynamoDB adapters; S3 objects.

Every call takes the owner's user id: it is the partition key of every table, so
no access path can reach another user's item by its own id alone.
"""
