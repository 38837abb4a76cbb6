from tests.sync.fixtures import make_device, pg_cluster, sqlite_upstream, sqlite_upstream_db, upstream, upstream_db  # noqa: F401
