# The admin's personas (a staff operator with a password, a task owner) serve the audit tests too.
from tests.admin.conftest import operator, operator_client, owner  # noqa: F401
