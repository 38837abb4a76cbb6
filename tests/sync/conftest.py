from tests.sync.fixtures import (make_device, pg_cluster, printers, sqlite_upstream, sqlite_upstream_db,  # noqa: F401
                                 upstream, upstream_db)
