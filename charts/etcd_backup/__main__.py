"""`python -m charts.etcd_backup`: the etcd backup and restore CLI (charts/etcd_backup/cli.py)."""

from charts.etcd_backup.cli import main

raise SystemExit(main())
