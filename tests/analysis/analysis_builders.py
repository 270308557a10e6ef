"""Small builders of uploads for the analysis tests (imported as a plain module, like fixtures_tpr)."""
import io
import json
import zipfile

REAL = {
    'niger': ('niger/Niger_plus.csv', 'niger/Niger_State.zip'),
    'warri': ('warri/warri_training_data.csv', 'warri/Warri.zip'),
    'kano': ('kano_metro/dummy_data.csv', 'kano_metro/Kano_metro_ward_sixLGAs.zip'),
    'ilorin': ('ilorin/example.csv', 'ilorin/Ilorin_3LGA.zip'),
}


def real_files(shared_data, name):
    data, boundaries = REAL[name]
    return {'data': ((shared_data / data).name, (shared_data / data).read_bytes()),
            'boundaries': ((shared_data / boundaries).name, (shared_data / boundaries).read_bytes())}


def square(x, y, size=1.0):
    return [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]


def geojson_of(rows):
    """GeoJSON bytes from (properties, ring) pairs."""
    return json.dumps({'type': 'FeatureCollection', 'features': [
        {'type': 'Feature', 'properties': props, 'geometry': {'type': 'Polygon', 'coordinates': [ring]}}
        for props, ring in rows]}).encode()


def zip_of(members):
    """Zip bytes from {name: bytes}."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, 'w') as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def strip_geojson(n, names=None, codes=True):
    """n unit squares in a row (each touches the next), WardCode W1.. and WardName A1.."""
    names = names or [f'A{i + 1}' for i in range(n)]
    return geojson_of([({'WardCode': f'W{i + 1}', 'WardName': names[i]} if codes else {'WardName': names[i]},
                        square(i, 0)) for i in range(n)])
