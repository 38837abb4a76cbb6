from tests.sync.fixtures import pg_cluster, upstream_db  # noqa: F401
