"""The store owner's dashboard on the upstream: `owner_auth` (a manager's PIN, sessions, lockout),
`charts` (server-side SVG), `page` (the HTML), `csv_export`, `routes` (the web routes)."""
