"""The options a ward TPR is computed with (spec section 10), apart from the computation:
what offers them (the command line's choices) needs no pandas."""
from types import MappingProxyType

AGES = ('all', 'u5', 'o5', 'pw')
TESTS = ('both', 'rdt', 'microscopy')
LEVELS = ('all', 'primary', 'secondary', 'tertiary')
AGE_GROUPS = MappingProxyType({'all': ('u5', 'o5', 'pw'), 'u5': ('u5',), 'o5': ('o5',), 'pw': ('pw',)})
TEST_METHODS = MappingProxyType({'both': ('rdt', 'microscopy'), 'rdt': ('rdt',), 'microscopy': ('microscopy',)})
