"""The names of the real Niger State wards (../shared/data/niger), as the conversation's names loader
hands them to the rules provider: (ward_code, ward_name, lga) per ward, the LGAs and the variables."""
import csv

import pytest

from chalicelib.conversations.assistant import Names

IDENTIFIERS = {'X.1', 'X', 'WardName', 'country_na', 'country_co', 'state_name', 'state_code', 'lga_name',
               'lga_code', 'WardCode', 'global_id', 'source', 'source_dat', 'properties'}


@pytest.fixture
def niger(shared_data):
    with open(shared_data / 'niger' / 'Niger_plus.csv', newline='', encoding='utf-8') as f:
        rows = list(csv.DictReader(f))
    return Names(wards=tuple((r['WardCode'], r['WardName'], r['lga_name']) for r in rows),
                 lgas=tuple(sorted({r['lga_name'] for r in rows})),
                 variables=tuple(c for c in rows[0] if c not in IDENTIFIERS))
