"""Reading the engine's result: each ranked ward finds its own data row and boundary."""
import csv
import io
import json

from chalicelib.viz.view import from_result
from tests.viz.conftest import analyse, renamed_state


def without_codes(files):
    """The same upload with the WardCode column and property removed."""
    data_name, data = files['data']
    rows = list(csv.reader(io.StringIO(data.decode('utf-8'))))
    drop = rows[0].index('WardCode')
    out = io.StringIO()
    csv.writer(out, lineterminator='\n').writerows([r[:drop] + r[drop + 1:] for r in rows])
    boundary_name, boundaries = files['boundaries']
    collection = json.loads(boundaries)
    for feature in collection['features']:
        del feature['properties']['WardCode']
    return {'data': (data_name, out.getvalue().encode()),
            'boundaries': (boundary_name, json.dumps(collection).encode())}


def test_wards_without_codes_sharing_a_name_keep_their_own_rows_and_boundaries():
    # Wards 0, 11 and 22 lie in LGAs 1, 2 and 3 and are all called Sabon Gari.
    result = analyse(without_codes(renamed_state(44, {0: 'Sabon Gari', 11: 'Sabon Gari', 22: 'Sabon Gari'})))
    view = from_result(result)
    keys = [w.key for w in view.wards]
    assert len(set(keys)) == len(keys) == 44
    lga_of = {b.key: b.lga for b in view.boundaries}
    namesakes = [w for w in view.wards if w.name == 'Sabon Gari']
    assert len(namesakes) == 3 and len({w.lga for w in namesakes}) == 3
    assert all(lga_of[w.key] == w.lga for w in namesakes)
    values = {f'w{r["row"]}': r for r in result['ward_values']}
    assert all(values[w.key]['ward_name'] == w.name for w in view.wards)
