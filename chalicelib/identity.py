"""Who is calling: built only from verified token claims."""
from dataclasses import dataclass

ROLES = ('viewer', 'analyst', 'admin')


@dataclass(frozen=True)
class Identity:
    user_id: str          # Cognito sub: the partition key of everything the user owns
    email: str
    organization: str
    role: str
    region: str

    @classmethod
    def from_claims(cls, claims):
        """An Identity from authorizer claims (strings, as API Gateway hands them)."""
        return cls(
            user_id=str(claims['sub']),
            email=str(claims.get('email', '')),
            organization=str(claims.get('custom:organization', '')),
            role=str(claims.get('custom:role', 'viewer')) if claims.get('custom:role') in ROLES else 'viewer',
            region=str(claims.get('custom:region', '')),
        )

    @property
    def can_write(self):
        return self.role in ('analyst', 'admin')
