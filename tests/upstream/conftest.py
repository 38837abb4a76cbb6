from tests.sync.fixtures import (make_device, pg_cluster, sqlite_upstream, sqlite_upstream_db, upstream,  # noqa: F401
                                 upstream_db)
