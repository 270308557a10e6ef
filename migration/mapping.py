"""The operator's mapping file: `email,organization,role,region`, one row per person.

ChatMRPT users carry no organization or region, so this file gives them; a user
without a row is reported, never guessed. Emails are compared trimmed and
lower-cased, as the user pool compares them.
"""
import csv
from dataclasses import dataclass

COLUMNS = ('email', 'organization', 'role', 'region')


class MappingError(Exception):
    """The mapping file cannot be used as it is; the message names the row and the fix."""


@dataclass(frozen=True)
class Mapped:
    email: str
    organization: str
    role: str
    region: str
    row: int


def normal_email(email):
    return (email or '').strip().lower()


def read_mapping(path):
    """{normalised email: Mapped}; MappingError naming the file and row of the first problem."""
    try:
        with open(path, newline='', encoding='utf-8-sig') as handle:
            rows = list(csv.DictReader(handle))
            header = [name.strip().lower() for name in (rows and rows[0].keys()) or ()]
    except FileNotFoundError:
        raise MappingError(f'{path}: no such file; write the CSV email,organization,role,region') from None
    except UnicodeDecodeError:
        raise MappingError(f'{path}: not UTF-8 text; save it as CSV UTF-8') from None
    if rows and sorted(header) != sorted(COLUMNS):
        raise MappingError(f'{path}: the header must be {",".join(COLUMNS)} (found {",".join(header)})')
    mapped = {}
    for number, row in enumerate(rows, start=2):
        values = {name.strip().lower(): (value or '').strip() for name, value in row.items() if name}
        email = normal_email(values.get('email'))
        if '@' not in email:
            raise MappingError(f'{path}, row {number}: email {values.get("email")!r} is not an email address')
        empty = [name for name in COLUMNS[1:] if not values.get(name)]
        if empty:
            raise MappingError(f'{path}, row {number}: {", ".join(empty)} is empty; every person needs all four')
        if email in mapped:
            raise MappingError(f'{path}, rows {mapped[email].row} and {number} both map {email}: keep one')
        mapped[email] = Mapped(email, values['organization'], values['role'], values['region'], number)
    return mapped
