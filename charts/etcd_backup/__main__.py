from charts.etcd_backup.cli import main

raise SystemExit(main())
