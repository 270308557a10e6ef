"""The local stack keeps what its functions' cold starts loaded out of the collector's walks."""
import gc
import sys

from chalice import Chalice
from chalice.test import Client

from devstack.stack import keep_what_functions_load


def test_an_invocation_that_imported_modules_freezes_the_heap_and_others_do_not():
    app = Chalice('heap')

    @app.lambda_function(name='importing')
    def importing(event, context):
        sys.modules.setdefault('tests.unit.a_module_loaded_by_a_cold_start', type(sys)('loaded'))
        return {}

    @app.lambda_function(name='plain')
    def plain(event, context):
        return {}

    app.register_middleware(keep_what_functions_load(), 'all')
    gc.unfreeze()
    try:
        with Client(app) as client:
            client.lambda_.invoke('plain', {})
            assert gc.get_freeze_count() == 0
            client.lambda_.invoke('importing', {})
            assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        sys.modules.pop('tests.unit.a_module_loaded_by_a_cold_start', None)
