from tests.payments.conftest import sandboxes  # noqa: F401
from tests.sync.fixtures import pg_cluster, upstream, upstream_db  # noqa: F401
