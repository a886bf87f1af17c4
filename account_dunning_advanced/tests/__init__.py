from . import test_security
from . import test_menu_tour
